import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { candidatesOf, reachableBy, resolveExecutable, userView } from './reachable';

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
// POSIX ACLs, written as the kernel's xattr (no setfacl needed): version 2,
// then (tag, perm, id) per entry; tags USER_OBJ 1, USER 2, GROUP_OBJ 4,
// GROUP 8, MASK 0x10, OTHER 0x20.
const ANY = 0xffffffff;
function setAcl(path: string, entries: [number, number, number][]): void {
  const hex = Buffer.concat([u32(2), ...entries.map(([t, p, id]) => Buffer.concat([u16(t), u16(p), u32(id)]))]).toString('hex');
  execFileSync('python3', ['-c', 'import os,sys; os.setxattr(sys.argv[1], "system.posix_acl_access", bytes.fromhex(sys.argv[2]))', path, hex]);
}
const u16 = (n: number) => Buffer.from([n & 0xff, n >> 8]);
const u32 = (n: number) => Buffer.from([n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24]);
// 0700, and user 4242 may search it
mkdirSync(join(base, 'acl-open'));
setAcl(join(base, 'acl-open'), [[1, 7, ANY], [2, 1, 4242], [4, 0, ANY], [0x10, 1, ANY], [0x20, 0, ANY]]);
// 0755, and user 4242 may not search it
mkdirSync(join(base, 'acl-shut'));
setAcl(join(base, 'acl-shut'), [[1, 7, ANY], [2, 0, 4242], [4, 5, ANY], [0x10, 5, ANY], [0x20, 5, ANY]]);
// 0700, and group 4243 may search it
mkdirSync(join(base, 'acl-group'));
setAcl(join(base, 'acl-group'), [[1, 7, ANY], [4, 0, ANY], [8, 1, 4243], [0x10, 1, ANY], [0x20, 0, ANY]]);
// a name tar carries in a pax header (not ASCII), opened to 4242; and one whose mask takes 4242's entry away
mkdirSync(join(base, 'acl é ü'));
setAcl(join(base, 'acl é ü'), [[1, 7, ANY], [2, 1, 4242], [4, 0, ANY], [0x10, 1, ANY], [0x20, 0, ANY]]);
mkdirSync(join(base, 'acl-masked'));
setAcl(join(base, 'acl-masked'), [[1, 7, ANY], [2, 1, 4242], [4, 0, ANY], [0x10, 0, ANY], [0x20, 0, ANY]]);
for (const d of ['acl-open', 'acl-shut', 'acl-group', 'acl é ü', 'acl-masked']) writeFileSync(join(base, d, 'tool'), '#!/bin/sh\n', { mode: 0o755 });
const gid = process.getgid?.() ?? 0;
const other = { uid: 4242, gid: 4243, known: false };
// resolveExecutable as `other` would look, the way run's pre-check asks (engine/containers.ts)
const asOther = async (cmd: string, pathVar: string) => resolveExecutable(cmd, pathVar, '/', await userView(other, candidatesOf(cmd, pathVar, '/')));

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

describe('reachableBy with POSIX ACLs (the kernel decides, as the user)', () => {
  it("opens a 0700 directory to a named user's or group's search entry", () =>
    Promise.all([
      expect(reachableBy(join(base, 'acl-open', 'tool'), other)).resolves.toBe(true),
      expect(reachableBy(join(base, 'acl-group', 'tool'), other)).resolves.toBe(true),
      expect(reachableBy(join(base, 'acl-open', 'tool'), { uid: 4244, gid: 4245, known: false })).resolves.toBe(false),
      expect(reachableBy(join(base, 'acl é ü', 'tool'), other)).resolves.toBe(true),
      expect(reachableBy(join(base, 'acl-masked', 'tool'), other)).resolves.toBe(false), // the mask bounds a named entry
    ]));

  it("closes a 0755 directory to a named user's empty entry, where its mode bits say open", () =>
    Promise.all([
      expect(reachableBy(join(base, 'acl-shut', 'tool'), other)).resolves.toBe(false),
      expect(reachableBy(join(base, 'acl-shut', 'tool'), { uid: 4244, gid: 4245, known: false })).resolves.toBe(true),
    ]));

  it('reads an ACL again once it changed (a kept reading is valid for one inode and ctime)', async () => {
    const d = join(base, 'acl-later');
    mkdirSync(d, { mode: 0o755 });
    chmodSync(d, 0o755);
    expect(await reachableBy(join(d, 'x'), other)).toBe(true);
    setAcl(d, [[1, 7, ANY], [2, 0, 4242], [4, 5, ANY], [0x10, 5, ANY], [0x20, 5, ANY]]);
    expect(await reachableBy(join(d, 'x'), other)).toBe(false);
  });

  it('resolves a command through PATH where only an ACL lets the user search, and nowhere an ACL shuts them out', async () => {
    expect(await asOther('tool', `${join(base, 'acl-shut')}:${join(base, 'acl-open')}`)).toBe(join(base, 'acl-open', 'tool'));
    expect(await asOther('tool', join(base, 'acl-shut'))).toBeNull();
  });
});

describe('resolveExecutable as the user', () => {
  it('never says whether a command exists below a directory the user cannot search: no answer, where root would have one', async () => {
    expect(await resolveExecutable(join(base, 'secret', 'tool'), '', '/')).toBe(join(base, 'secret', 'tool'));
    expect(await asOther(join(base, 'secret', 'tool'), '')).toBeNull();
    expect(await asOther(join(base, 'secret', 'nothing'), '')).toBeNull();
    expect(await asOther('tool', join(base, 'secret'))).toBeNull();
    await expect(asOther('nothing', join(base, 'open'))).rejects.toThrow('exec: "nothing": executable file not found in $PATH');
  });
});
