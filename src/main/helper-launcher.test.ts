import { describe, expect, it } from 'vitest';
import { findNode, helperCommandLine, makeLauncher } from './helper-launcher';

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
