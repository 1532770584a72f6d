import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { reachableBy, resolveExecutable } from './process';

// run's and exec's pre-checks stat the working directory and the command as
// root: only where the container's user could look, so the answer never
// tells the owner whether a path exists below a directory they cannot
// search (docs/decisions.md, "Root boundary").
const base = mkdtempSync(join(tmpdir(), 'berth-reach-'));
chmodSync(base, 0o755);
afterAll(() => rmSync(base, { recursive: true, force: true }));
mkdirSync(join(base, 'open'), { mode: 0o755 });
mkdirSync(join(base, 'secret'), { mode: 0o700 });
chmodSync(join(base, 'secret'), 0o700);
writeFileSync(join(base, 'secret', 'tool'), '#!/bin/sh\n', { mode: 0o755 });
mkdirSync(join(base, 'team'));
chmodSync(join(base, 'team'), 0o710);
symlinkSync(join(base, 'secret'), join(base, 'link'));
symlinkSync('../secret', join(base, 'open', 'up'));
const gid = process.getgid?.() ?? 0;
const other = { uid: 4242, gid: 4243, known: false };

describe('reachableBy', () => {
  it('is true where every directory on the way is searchable, a missing last name included', () =>
    Promise.all([
      expect(reachableBy(join(base, 'open', 'missing'), other)).resolves.toBe(true),
      expect(reachableBy(join(base, 'secret'), other)).resolves.toBe(true),
      expect(reachableBy('/', other)).resolves.toBe(true),
    ]));

  it('is false below a directory the user cannot search, through symbolic links (absolute or relative) too', () =>
    Promise.all([
      expect(reachableBy(join(base, 'secret', 'tool'), other)).resolves.toBe(false),
      expect(reachableBy(join(base, 'secret', 'missing'), other)).resolves.toBe(false),
      expect(reachableBy(join(base, 'link', 'tool'), other)).resolves.toBe(false),
      expect(reachableBy(join(base, 'open', 'up', 'tool'), other)).resolves.toBe(false),
      expect(reachableBy(join(base, 'open', '..', 'secret', 'x'), other)).resolves.toBe(false),
    ]));

  it("counts the group's search bit for a member, and root sees everything", () =>
    Promise.all([
      expect(reachableBy(join(base, 'team', 'x'), { uid: 4242, gid, known: false })).resolves.toBe(true),
      expect(reachableBy(join(base, 'team', 'x'), other)).resolves.toBe(false),
      expect(reachableBy(join(base, 'secret', 'x'), { uid: 0, gid: 0, known: true })).resolves.toBe(true),
    ]));
});

describe('resolveExecutable as the user', () => {
  it('never says whether a command exists below a directory the user cannot search: no answer, where root would have one', async () => {
    expect(await resolveExecutable(join(base, 'secret', 'tool'), '', '/')).toBe(join(base, 'secret', 'tool'));
    expect(await resolveExecutable(join(base, 'secret', 'tool'), '', '/', other)).toBeNull();
    expect(await resolveExecutable(join(base, 'secret', 'nothing'), '', '/', other)).toBeNull();
    expect(await resolveExecutable('tool', join(base, 'secret'), '/', other)).toBeNull();
    await expect(resolveExecutable('nothing', join(base, 'open'), '/', other)).rejects.toThrow('exec: "nothing": executable file not found in $PATH');
  });
});
