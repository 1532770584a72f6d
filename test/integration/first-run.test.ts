import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestHost, waitFor } from './harness';

const START = fileURLToPath(new URL('../../scripts/start.mjs', import.meta.url));

// GET with a cookie jar, as a browser follows the token URL's redirect.
const browserGet = (url: string) => [
  'python3', '-c',
  'import sys,urllib.request,http.cookiejar\no=urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))\nr=o.open(sys.argv[1],timeout=10)\nprint(r.status, r.read().decode())',
  url,
];

// First run as a user would do it: `npm start` in web mode finds no helper,
// starts one, serves the app, and on exit stops the helper it started;
// `berth helper status` and `berth helper stop` work without signals.
describe('first run', () => {
  let h: TestHost;
  beforeAll(async () => {
    h = await TestHost.create();
  });
  afterAll(async () => h?.destroy());

  it('helper status says "not running" (exit 3) without a helper, and the facts with one; helper stop ends it', async () => {
    const none = await h.berth(['helper', 'status']);
    expect(none.code).toBe(3);
    expect(none.stdout).toMatch(/^Helper: +not running/);

    await h.startHelper();
    const st = await h.berth(['helper', 'status']);
    expect(st.code).toBe(0);
    expect(st.stdout).toContain(`running, berth`);
    expect(st.stdout).toContain(`(pid ${h.helperPid})`);
    expect(st.stdout).toContain(`Socket:          ${h.socket}`);
    expect(st.stdout).toContain(`Data root:       ${h.dataRoot}`);
    expect(st.stdout).toMatch(/Owner: +uid 0/);
    expect(st.stdout).toMatch(/Firewall: +(iptables|nftables)/);
    expect(st.stdout).toMatch(/Up since: .*\(up /);

    const pid = h.helperPid;
    const stop = await h.berth(['helper', 'stop'], { inHost: true });
    expect(stop.stderr).toBe('');
    expect(stop.stdout).toBe(`helper stopped (pid ${pid}); containers keep running\n`.trimEnd());
    expect(await h.alive(pid)).toBe(false);
    expect(existsSync(h.socket)).toBe(false);
    expect((await h.berth(['helper', 'status'])).code).toBe(3);
    await h.stopHelper().catch(() => {}); // the harness's handle on the process that already ended
  });

  it('helper start daemonizes a helper (the same verb as `berth helper`); helper stop ends it', async () => {
    const socket = join(h.dir, 'daemon.sock');
    // the host's own data root: another would find the earlier tests' berth0 and refuse to start
    const r = await h.berth(['helper', 'start', '--socket', socket, '--data-root', h.dataRoot], { inHost: true });
    expect(r.stderr, r.stderr).toBe('');
    expect(r.code).toBe(0);
    const pid = Number(/^berth helper started \(pid (\d+)\), socket /.exec(r.stdout)?.[1]);
    expect(pid).toBeGreaterThan(1);
    const st = await h.berth(['helper', 'status', '--socket', socket]);
    expect(st.stdout).toContain(`(pid ${pid})`);
    expect((await h.berth(['helper', 'stop', '--socket', socket], { inHost: true })).code).toBe(0);
    expect(await h.alive(pid)).toBe(false);
    expect(existsSync(socket)).toBe(false);
  });

  it('npm start (web mode): starts a helper, serves the app with its token URL, stops the helper on exit', async () => {
    const socket = join(h.dir, 'start.sock');
    const start = h.spawn([process.execPath, START, '--web', '--no-open', '--socket', socket, '--data-root', h.dataRoot], { all: true });
    const p = start.proc;
    let out = '';
    p.all!.on('data', (d) => (out += String(d)));
    let ended = false;
    void p.then(() => (ended = true));
    const url = await waitFor(async () => (ended ? 'ended' : /Berth web UI: (http:\/\/127\.0\.0\.1:\d+\/\S+)/.exec(out)?.[1]), 90_000, "the web UI's URL in npm start's output").catch((e) => {
      throw new Error(`${e.message}; it printed:\n${out}`);
    });
    expect(ended, `npm start ended early:\n${out}`).toBe(false);
    expect(out).toContain('starting the helper');
    const st = await h.berth(['helper', 'status', '--socket', socket]);
    expect(st.code).toBe(0);
    const helperPid = Number(/\(pid (\d+)\)/.exec(st.stdout)![1]);
    // the page answers inside the namespace, as a browser sees it: the token URL sets a cookie and redirects
    expect((await h.sh(browserGet(url))).stdout.trim()).toMatch(/^200 .*<div id="root">/s);

    await start.signal('SIGINT');
    const r = await p;
    expect(r.exitCode).toBe(0);
    expect(out).toContain('stopping the helper this command started');
    expect(await h.alive(helperPid)).toBe(false);
    expect(existsSync(socket)).toBe(false);
    expect((await h.berth(['helper', 'status', '--socket', socket])).code).toBe(3);
  });

  it('npm start uses a helper that already runs and leaves it running', async () => {
    await h.startHelper();
    const start = h.spawn([process.execPath, START, '--web', '--no-open', '--socket', h.socket], { all: true });
    const p = start.proc;
    let out = '';
    p.all!.on('data', (d) => (out += String(d)));
    await waitFor(async () => /Berth web UI: http/.test(out), 90_000, "the web UI's URL in npm start's output").catch((e) => {
      throw new Error(`${e.message}; it printed:\n${out}`);
    });
    expect(out).toContain('using the helper that already runs');
    await start.signal('SIGINT');
    expect((await p).exitCode).toBe(0);
    expect((await h.berth(['helper', 'status'])).code).toBe(0);
    await h.stopHelper();
  });
});
