import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { findNode, helperCommandLine, installedFromPackage, makeLauncher, makePkexecLauncher, PACKAGED } from './helper-launcher';

const spec = { node: '/usr/bin/node', script: '/opt/berth/dist/berth.mjs', uid: 1000, socket: '/run/berth/berth.sock' };

describe('helper launch command', () => {
  it('is a fixed line of absolute paths and numbers', () => {
    expect(helperCommandLine(spec)).toBe("'/usr/bin/node' '/opt/berth/dist/berth.mjs' helper --owner 1000 --socket '/run/berth/berth.sock'");
  });
  it('refuses relative paths, shell characters and odd uids', () => {
    expect(() => helperCommandLine({ ...spec, node: 'node' })).toThrow(/unusual path/);
    expect(() => helperCommandLine({ ...spec, script: "/tmp/x'; rm -rf /; '" })).toThrow(/unusual path/);
    expect(() => helperCommandLine({ ...spec, socket: '/run/$(id)/s' })).toThrow(/unusual path/);
    expect(() => helperCommandLine({ ...spec, script: '/opt/../etc/x' })).toThrow(/unusual path/);
    expect(() => helperCommandLine({ ...spec, uid: -1 })).toThrow(/invalid uid/);
  });
  it('finds node only in fixed system locations', () => {
    expect(findNode((p) => p === '/usr/local/bin/node')).toBe('/usr/local/bin/node');
    expect(findNode(() => false)).toBeNull();
  });
  it('runs the prompt once and maps a dismissal to a readable reason', async () => {
    const seen: string[] = [];
    const ok = makeLauncher((cmd, opts, cb) => {
      seen.push(`${opts.name}: ${cmd}`);
      cb();
    }, () => spec);
    await ok();
    expect(seen).toEqual([`Berth: ${helperCommandLine(spec)}`]);
    const cancelled = makeLauncher((_c, _o, cb) => cb(new Error('User did not grant permission. (dismissed)')), () => spec);
    await expect(cancelled()).rejects.toThrow('the administrator prompt was cancelled');
  });
});

describe('helper launch when installed from the package', () => {
  const installed = new Set(['/usr/lib/berth/berth', '/usr/share/polkit-1/actions/org.berth.helper.policy', '/usr/bin/pkexec']);
  it('is chosen only when the program, its polkit action and pkexec are all there', () => {
    expect(installedFromPackage((p) => installed.has(p))).toBe(true);
    for (const gone of installed) expect(installedFromPackage((p) => p !== gone && installed.has(p))).toBe(false);
  });
  it('runs pkexec on the program the polkit action names, with arguments and no shell', async () => {
    const seen: string[][] = [];
    const ok = makePkexecLauncher((file, args, cb) => {
      seen.push([file, ...args]);
      cb(null, '', '');
    }, () => ({ uid: 1000, socket: '/run/berth/berth.sock' }));
    await ok();
    expect(seen).toEqual([['/usr/bin/pkexec', '/usr/lib/berth/berth', 'helper', '--owner', '1000', '--socket', '/run/berth/berth.sock']]);
    // the action's exec.path is the same program
    const policy = readFileSync('packaging/deb/org.berth.helper.policy', 'utf8');
    expect(policy).toContain(`<annotate key="org.freedesktop.policykit.exec.path">${PACKAGED.program}</annotate>`);
  });
  it('refuses odd sockets and uids before asking anyone', async () => {
    let asked = false;
    const run = (socket: string, uid = 1000) => makePkexecLauncher(() => (asked = true), () => ({ uid, socket }))();
    await expect(run('/run/$(id)/s')).rejects.toThrow(/unusual path/);
    await expect(run('relative.sock')).rejects.toThrow(/unusual path/);
    await expect(run('/run/berth/berth.sock', -1)).rejects.toThrow(/invalid uid/);
    expect(asked).toBe(false);
  });
  it("says why pkexec failed: dismissed, no polkit agent, not authorized", async () => {
    const failing = (code: number, stderr: string) =>
      makePkexecLauncher((_f, _a, cb) => cb(Object.assign(new Error(`exit ${code}`), { code }), '', stderr), () => ({ uid: 1000, socket: '/run/berth/berth.sock' }))();
    await expect(failing(126, '')).rejects.toThrow('the administrator prompt was cancelled');
    await expect(failing(127, 'Error executing command as another user: No authentication agent found.')).rejects.toThrow(/no polkit authentication agent runs/);
    await expect(failing(127, 'Error executing command as another user: Not authorized')).rejects.toThrow(/not authorized to start the helper: .*Not authorized/);
    await expect(failing(1, 'berth: another Berth helper runs')).rejects.toThrow('berth: another Berth helper runs');
  });
});
