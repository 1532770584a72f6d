import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FULL_BUNDLE_VERBS } from './verb';

// bin/berth is what users run, one Node start per command: it drops
// NODE_EXTRA_CA_CERTS (Node 20 reads that file at every start; Berth never
// speaks TLS). A file Node cannot load makes Node warn at start, so a warning
// here means the variable reached Node.
const bin = fileURLToPath(new URL('../../../bin/berth', import.meta.url));

describe('bin/berth', () => {
  it('starts Node without NODE_EXTRA_CA_CERTS', () => {
    const r = execFileSync('sh', ['-c', `"${bin}" version 2>&1`], { encoding: 'utf8', env: { ...process.env, BERTH_CLIENT_RUNTIME: 'node', NODE_EXTRA_CA_CERTS: '/nonexistent/berth-test-ca.pem' } });
    expect(r).toMatch(/^berth \d+\.\d+\.\d+\n$/);
  });

  // it finds dist/ beside itself without readlink unless the script itself is a link (npm link)
  it('runs from a link to it, from a linked directory and from its own directory', () => {
    const d = mkdtempSync(join(tmpdir(), 'berth-bin-'));
    try {
      symlinkSync(bin, join(d, 'berth'));
      symlinkSync(dirname(dirname(bin)), join(d, 'clone'));
      const run = (cmd: string, cwd?: string) => execFileSync('sh', ['-c', cmd], { encoding: 'utf8', cwd });
      expect(run(`"${join(d, 'berth')}" version`)).toMatch(/^berth \d+\.\d+\.\d+\n$/);
      expect(run(`"${join(d, 'clone/bin/berth')}" version`)).toMatch(/^berth \d+\.\d+\.\d+\n$/);
      expect(run('sh berth version', dirname(bin))).toMatch(/^berth \d+\.\d+\.\d+\n$/);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });

  // A copy of bin/berth beside a dist/ whose two programs say who ran:
  // dist/berth-cli (Bun's build of the client) and dist/berth.cjs (Node's).
  function fakeClone(withBun: boolean) {
    const d = mkdtempSync(join(tmpdir(), 'berth-bin-'));
    mkdirSync(join(d, 'bin'));
    mkdirSync(join(d, 'dist'));
    copyFileSync(bin, join(d, 'bin/berth'));
    writeFileSync(join(d, 'dist/berth.cjs'), 'console.log(["node", ...process.argv.slice(2)].join(" "))\n');
    if (withBun) writeFileSync(join(d, 'dist/berth-cli'), '#!/bin/sh\necho bun "$@"\n', { mode: 0o755 });
    const run = (args: string, env: Record<string, string> = {}) =>
      execFileSync('sh', ['-c', `"${join(d, 'bin/berth')}" ${args}`], { encoding: 'utf8', env: { PATH: process.env.PATH, ...env } }).trim();
    return { run, done: () => rmSync(d, { recursive: true, force: true }) };
  }

  it('runs a client verb on Bun where it is built, and on Node when asked, for BERTH_DEBUG or without Bun', () => {
    const c = fakeClone(true);
    try {
      expect(c.run('ps -a')).toBe('bun ps -a');
      expect(c.run('--socket /s network ls')).toBe('bun --socket /s network ls');
      expect(c.run('')).toBe('bun');
      expect(c.run('ps', { BERTH_CLIENT_RUNTIME: 'node' })).toBe('node ps');
      expect(c.run('ps', { BERTH_DEBUG: '1' })).toBe('node ps');
    } finally {
      c.done();
    }
    const n = fakeClone(false);
    try {
      expect(n.run('ps')).toBe('node ps');
    } finally {
      n.done();
    }
  });

  it('sends the verbs whose code only the full bundle holds to Node, past a leading --socket too', () => {
    const c = fakeClone(true);
    try {
      for (const v of FULL_BUNDLE_VERBS) {
        expect(c.run(`${v} --x`)).toBe(`node ${v} --x`);
        expect(c.run(`--socket /s ${v}`)).toBe(`node --socket /s ${v}`);
        expect(c.run(`--socket=/s ${v}`)).toBe(`node --socket=/s ${v}`);
      }
    } finally {
      c.done();
    }
    // the list in bin/berth's `case` is launch.ts's, no more, no less
    const listed = /case \$verb in ([a-z|-]+)\)/.exec(readFileSync(bin, 'utf8'))?.[1].split('|');
    expect(new Set(listed)).toEqual(FULL_BUNDLE_VERBS);
  });

  // Bun reads bunfig.toml (preload: code to run) and .env from the directory
  // it runs in; dist/berth-cli is built not to (scripts/bundle-options.mjs)
  it.skipIf(!existsSync(join(dirname(dirname(bin)), 'dist/berth-cli')))('reads no bunfig.toml or .env from the directory it runs in', () => {
    const d = mkdtempSync(join(tmpdir(), 'berth-cwd-'));
    try {
      writeFileSync(join(d, 'bunfig.toml'), 'preload = ["./evil.js"]\n');
      writeFileSync(join(d, 'evil.js'), 'console.log("preloaded")\n');
      writeFileSync(join(d, '.env'), 'BERTH_SOCKET=/from/dotenv.sock\n');
      // no BERTH_SOCKET: a .env fills only what the environment lacks
      const env = { PATH: process.env.PATH };
      expect(execFileSync('sh', ['-c', `"${bin}" version`], { cwd: d, encoding: 'utf8', env })).toMatch(/^berth \d+\.\d+\.\d+\n$/);
      const r = spawnSync(bin, ['ps'], { cwd: d, encoding: 'utf8', env });
      expect(r.stdout + r.stderr).not.toMatch(/preloaded|dotenv/);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});

