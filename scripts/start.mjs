// `npm start`: Berth's main job in one command. The desktop app where the
// Electron binary exists; otherwise the web UI in the default browser (its URL
// printed). Either way the helper is started when none answers — directly when
// already root, through `sudo` on a terminal, through the desktop's
// administrator prompt otherwise — and stopped again on exit if this command
// started it. README.md, "Set up", says the same for users.
//
//   npm start [-- --web] [--socket PATH] [--data-root DIR] [--port N] [--no-open]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BERTH = join(ROOT, 'dist', 'berth.mjs');
const NODE = process.execPath;

const { values: o } = parseArgs({
  options: {
    web: { type: 'boolean' },
    socket: { type: 'string' },
    'data-root': { type: 'string' },
    port: { type: 'string' },
    'no-open': { type: 'boolean' },
  },
});
const socket = resolve(o.socket ?? process.env.BERTH_SOCKET ?? '/run/berth/berth.sock');
const say = (m) => process.stderr.write(`berth start: ${m}\n`);
const berth = (args, opts = {}) => spawnSync(NODE, [BERTH, ...args, '--socket', socket], { encoding: 'utf8', ...opts });
const helperUp = () => berth(['helper', 'status']).status === 0;

if (!existsSync(BERTH)) {
  say('dist/berth.mjs is missing: run `npm install` first');
  process.exit(1);
}

function electronBinary() {
  try {
    const rel = readFileSync(join(ROOT, 'node_modules', 'electron', 'path.txt'), 'utf8').trim();
    const bin = join(ROOT, 'node_modules', 'electron', 'dist', rel);
    return existsSync(bin) ? bin : null;
  } catch {
    return null;
  }
}

// The desktop app finds or starts the helper itself (src/main/helper-launcher.ts).
if (!o.web && electronBinary() && (process.env.DISPLAY || process.env.WAYLAND_DISPLAY)) {
  const r = spawnSync(NODE, [join(ROOT, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'preview'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  process.exit(r.status ?? 1);
}

// ---- web mode ----
let started = null; // how to stop the helper this command started: a function, or null
if (helperUp()) say(`using the helper that already runs on ${socket}`);
else started = await startHelper();

const uiArgs = ['ui', '--web', '--socket', socket];
if (o.port) uiArgs.push('--port', o.port);
if (o['no-open']) uiArgs.push('--no-open');
const ui = spawn(NODE, [BERTH, ...uiArgs], { stdio: 'inherit' });
let ending = false;
const end = (code) => {
  if (ending) return;
  ending = true;
  if (ui.exitCode === null) ui.kill('SIGTERM');
  const finish = async () => {
    if (started) {
      say('stopping the helper this command started');
      await started();
    }
    process.exit(code);
  };
  if (ui.exitCode === null) ui.once('exit', finish);
  else void finish();
};
ui.once('exit', (c) => end(c ?? 1));
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => end(0));

async function startHelper() {
  const dataRoot = o['data-root'] ? ['--data-root', resolve(o['data-root'])] : [];
  const uid = process.getuid();
  if (uid === 0) {
    // root already: a foreground child of this command, ended by it
    say('starting the helper');
    // with the helper's Node flags and malloc settings (helper/src/helper-node-flags.ts), as the daemonizing start gives them
    const env = { ...process.env, MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '32768', MALLOC_TRIM_THRESHOLD_: '131072' };
    const child = spawn(NODE, ['--max-semi-space-size=1', '--max-old-space-size=1024', BERTH, 'helper', '--foreground', '--socket', socket, ...dataRoot], { stdio: ['ignore', 'inherit', 'inherit'], env });
    await waitUntilUp(() => child.exitCode !== null);
    return () =>
      new Promise((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', done);
        child.kill('SIGTERM');
      });
  }
  // a user: the helper needs root, asked for once; it daemonizes and gives the socket to this uid
  const argv = [NODE, BERTH, 'helper', '--owner', String(uid), '--socket', socket, ...dataRoot];
  if (process.stdin.isTTY) {
    say('the helper runs as root: sudo asks for your password');
    const r = spawnSync('sudo', argv, { stdio: 'inherit' });
    if (r.status !== 0) fail('sudo did not start the helper');
  } else if (process.env.DISPLAY || process.env.WAYLAND_DISPLAY) {
    const sudo = (await import('sudo-prompt')).default;
    const cmd = argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    await new Promise((done) =>
      sudo.exec(cmd, { name: 'Berth' }, (err) => (err ? fail(`the administrator prompt did not start the helper: ${err.message}`) : done())),
    );
  } else fail(`no helper answers on ${socket}, and there is no terminal or desktop to ask for root: run \`sudo ${BERTH} helper\` first`);
  await waitUntilUp(() => false);
  return async () => {
    berth(['helper', 'stop'], { stdio: 'inherit' });
  };
}

async function waitUntilUp(gaveUp) {
  // bounded: a helper that has not answered within a minute on a loaded machine will not
  for (let i = 0; i < 600; i++) {
    if (gaveUp()) fail('the helper exited during start-up (its message is above)');
    if (helperUp()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  fail(`the helper did not answer on ${socket} within 60 s`);
}

function fail(m) {
  say(m);
  process.exit(1);
}
