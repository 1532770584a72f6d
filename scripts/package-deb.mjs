// `npm run package:deb`: the CLI and helper as a Debian package, with the
// socket-activated helper units, the polkit action and the maintainer scripts
// of packaging/deb/. The helper is bundled with its packages (one directory,
// no node_modules); Node.js comes from the system. Layout and choices:
// docs/install.md.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { buildCliFastPath, selfContainedOptions } from './bundle-options.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const version = pkg.version;
const out = join(root, 'build');
const stage = join(out, `berth_${version}_all`);
const lib = join(stage, 'usr/lib/berth');
const at = (...p) => join(stage, ...p);
const mk = (p) => mkdirSync(p, { recursive: true });

if (!existsSync(join(root, 'out/renderer/index.html'))) {
  console.error('package-deb: out/renderer is missing: run `npm install` (or `npx electron-vite build`) first');
  process.exit(1);
}
rmSync(stage, { recursive: true, force: true });
mk(lib);

// The same entry as dist/berth.mjs, with its packages inside: a system
// package cannot rely on a node_modules directory.
await build(selfContainedOptions(root, join(lib, 'dist')));
// and the CLI's fast path, as bin/berth's (dist/berth.cjs: scripts/bundle-options.mjs)
await buildCliFastPath(build, root, join(lib, 'dist'));
cpSync(join(root, 'out/renderer'), join(lib, 'out/renderer'), { recursive: true });

// /usr/lib/berth/berth: the one program the units, pkexec and /usr/bin/berth run.
// Its environment lines are bin/berth's own (why: there): no NODE_EXTRA_CA_CERTS
// (Berth never speaks TLS) and, for `berth helper`, the helper's glibc malloc
// settings, which test/integration/helper-env.test.ts checks against the helper's
// export; taken from bin/berth so that the two launchers cannot drift apart.
const envLines = readFileSync(join(root, 'bin/berth'), 'utf8').split('\n').filter((l) => /^(unset NODE_EXTRA_CA_CERTS$|case \$1 in helper\) export )/.test(l));
if (envLines.length !== 2) throw new Error('bin/berth: expected its `unset NODE_EXTRA_CA_CERTS` and `case $1 in helper) export …` lines');
writeFileSync(join(lib, 'berth'), `#!/bin/sh\n${envLines.join('\n')}\nexec node /usr/lib/berth/dist/berth.cjs "$@"\n`, { mode: 0o755 });
mk(at('usr/bin'));
symlinkSync('../lib/berth/berth', at('usr/bin/berth'));

const deb = join(root, 'packaging/deb');
mk(at('usr/lib/systemd/system'));
for (const u of ['berth-helper.socket', 'berth-helper.service']) copyFileSync(join(deb, u), at('usr/lib/systemd/system', u));
mk(at('usr/share/polkit-1/actions'));
copyFileSync(join(deb, 'org.berth.helper.policy'), at('usr/share/polkit-1/actions/org.berth.helper.policy'));

mk(at('usr/share/doc/berth'));
copyFileSync(join(root, 'README.md'), at('usr/share/doc/berth/README.md'));
writeFileSync(
  at('usr/share/doc/berth/copyright'),
  `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nUpstream-Name: berth\n\nFiles: *\nCopyright: The Berth authors\nLicense: ${pkg.license}\n`,
);

// man page: the CLI's own help, which is written for it (one declaration per verb)
const help = execFileSync(process.execPath, [join(lib, 'dist/berth.mjs'), '--help'], { encoding: 'utf8' });
const esc = (s) => s.replace(/\\/g, '\\e').replace(/^([.'])/gm, '\\&$1');
mk(at('usr/share/man/man1'));
writeFileSync(
  at('usr/share/man/man1/berth.1.gz'),
  gzipSync(
    `.TH BERTH 1 "" "berth ${version}" "User Commands"\n.SH NAME\nberth \\- ${pkg.description.toLowerCase()}\n.SH SYNOPSIS\n.B berth\nCOMMAND [OPTIONS]\n.SH DESCRIPTION\n.nf\n${esc(help)}\n.fi\n.SH SEE ALSO\n.BR "berth COMMAND --help" ,\n.I /usr/share/doc/berth/README.md\n`,
  ),
);

mk(at('DEBIAN'));
writeFileSync(
  at('DEBIAN/control'),
  [
    'Package: berth',
    `Version: ${version}`,
    'Architecture: all',
    'Maintainer: The Berth authors <berth@localhost>',
    // Debian 12's own nodejs is 18: Node.js 20 comes from a newer Debian or NodeSource's nodejs package
    'Depends: nodejs (>= 20), iproute2, iptables | nftables, util-linux, conntrack',
    'Recommends: policykit-1 | polkitd',
    'Section: net',
    'Priority: optional',
    `Description: ${pkg.description}`,
    ' Berth manages container networks the way Docker does (bridge networks, veth',
    ' pairs, IPAM, routes, iptables/nftables NAT) through a root helper started',
    ' on demand by systemd, and shows every NAT rule on the machine.',
    '',
  ].join('\n'),
);
for (const s of ['postinst', 'prerm', 'postrm']) {
  copyFileSync(join(deb, s), at('DEBIAN', s));
  chmodSync(at('DEBIAN', s), 0o755);
}

const file = join(out, `berth_${version}_all.deb`);
execFileSync('dpkg-deb', ['--root-owner-group', '--build', stage, file], { stdio: ['ignore', 'ignore', 'inherit'] });
console.log(file);
