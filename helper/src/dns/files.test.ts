import { execFileSync } from 'node:child_process';
import { chownSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeEtc, type ContainerDns } from './files';

// A container's /etc files are rewritten in place by root: whatever stands
// at their names (planted by whoever controls the container's files) must
// never make root write into another file (docs/decisions.md, "Root boundary").
const base = mkdtempSync(join(tmpdir(), 'berth-etc-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
const dns: ContainerDns = { nameserver: '10.1.0.1', upstreams: [], search: [], hostname: 'web', ip: '10.1.0.2', extraHosts: [] };
let n = 0;
const fresh = () => {
  const dir = join(base, `etc${n++}`);
  mkdirSync(join(dir, 'c1'), { recursive: true });
  const victim = join(base, `victim${n}`);
  writeFileSync(victim, 'precious\n', { mode: 0o644 });
  return { dir, victim, hosts: join(dir, 'c1', 'hosts'), resolv: join(dir, 'c1', 'resolv.conf') };
};
const untouched = (f: ReturnType<typeof fresh>) => {
  expect(readFileSync(f.victim, 'utf8')).toBe('precious\n');
  // nothing written: the other file of the pair was not created or changed either
  expect(() => lstatSync(f.resolv)).toThrow(/ENOENT/);
};

describe('writeEtc', () => {
  it('writes both files, and rewrites them in place (same inode) the next time', async () => {
    const f = fresh();
    await writeEtc(f.dir, 'c1', dns);
    const ino = lstatSync(f.hosts).ino;
    expect(readFileSync(f.hosts, 'utf8')).toContain('10.1.0.2\tweb');
    await writeEtc(f.dir, 'c1', { ...dns, ip: '10.1.0.3' });
    expect(lstatSync(f.hosts).ino).toBe(ino);
    expect(readFileSync(f.hosts, 'utf8')).toContain('10.1.0.3\tweb');
    expect(readFileSync(f.resolv, 'utf8')).toContain('nameserver 10.1.0.1');
  });

  it('a hard link planted at hosts: one line, and neither the linked file nor resolv.conf is written', async () => {
    const f = fresh();
    linkSync(f.victim, f.hosts);
    await expect(writeEtc(f.dir, 'c1', dns)).rejects.toThrow(`refusing to write ${f.hosts}: it has 2 links (a hard link to another file); the helper runs as root and rewrites only a file of its own`);
    untouched(f);
  });

  it('a symbolic link or a FIFO planted there is refused without opening it', async () => {
    const f = fresh();
    symlinkSync(f.victim, f.hosts);
    await expect(writeEtc(f.dir, 'c1', dns)).rejects.toThrow(`refusing to write ${f.hosts}: it is a symbolic link;`);
    untouched(f);
    rmSync(f.hosts);
    execFileSync('mkfifo', [f.hosts]);
    await expect(writeEtc(f.dir, 'c1', dns)).rejects.toThrow(`refusing to write ${f.hosts}: it is not a regular file;`);
    untouched(f);
  });

  it.skipIf(process.geteuid?.() !== 0)('a file of another user there is refused (the helper writes only its own)', async () => {
    const f = fresh();
    writeFileSync(f.hosts, 'theirs\n');
    chownSync(f.hosts, 4242, 4242);
    await expect(writeEtc(f.dir, 'c1', dns)).rejects.toThrow(`refusing to write ${f.hosts}: it belongs to uid 4242;`);
    expect(readFileSync(f.hosts, 'utf8')).toBe('theirs\n');
    untouched(f);
  });
});
