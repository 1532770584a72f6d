import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeHolder, findPortHolder, parseProcNet } from './socket-owner';

const HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
const TCP =
  HEADER +
  '   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 111 1 0000000000000000 100 0 0 10 0\n' +
  '   1: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 222 1 0000000000000000 100 0 0 10 0\n' +
  '   2: 0100007F:1F90 0100007F:A000 01 00000000:00000000 00:00000000 00000000     0        0 0 1 0000000000000000 20 4 30 10 -1\n';
const TCP6 =
  '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n' +
  '   0: 00000000000000000000000000000000:1F91 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 333 1 0000000000000000 100 0 0 10 0\n' +
  '   1: 0000000000000000FFFF00000100007F:1F92 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 444 1 0000000000000000 100 0 0 10 0\n' +
  '   2: 00000000000000000000000001000000:1F93 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 555 1 0000000000000000 100 0 0 10 0\n';

describe('parseProcNet', () => {
  it('decodes IPv4 and IPv6 addresses in kernel byte order', () => {
    expect(parseProcNet(TCP)).toEqual([
      { localIp: '127.0.0.1', localPort: 8080, state: 0x0a, inode: 111 },
      { localIp: '0.0.0.0', localPort: 22, state: 0x0a, inode: 222 },
      { localIp: '127.0.0.1', localPort: 8080, state: 0x01, inode: 0 },
    ]);
    // an IPv4-mapped socket reads as a user writes it (::ffff:127.0.0.1), so it and a binding compare equal
    expect(parseProcNet(TCP6).map((s) => `${s.localIp} ${s.localPort}`)).toEqual([':: 8081', '::ffff:127.0.0.1 8082', '::1 8083']);
  });
  it('skips junk', () => {
    expect(parseProcNet(`${HEADER}garbage\n   0: zz:1 x\n`)).toEqual([]);
  });
});

describe('findPortHolder (fake /proc)', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'berth-proc-'));
    await mkdir(join(root, 'net'));
    await writeFile(join(root, 'net/tcp'), TCP);
    await writeFile(join(root, 'net/tcp6'), TCP6);
    await writeFile(join(root, 'net/udp'), HEADER);
    for (const [pid, comm, inodes] of [
      ['812', 'nginx', [111]],
      ['900', 'sshd', [222]],
      ['901', 'node', [333, 555]],
    ] as const) {
      await mkdir(join(root, pid, 'fd'), { recursive: true });
      await writeFile(join(root, pid, 'comm'), `${comm}\n`);
      await symlink('/dev/null', join(root, pid, 'fd', '0'));
      for (const [i, ino] of inodes.entries()) await symlink(`socket:[${ino}]`, join(root, pid, 'fd', String(i + 3)));
    }
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('names the listening process', async () => {
    const h = await findPortHolder('0.0.0.0', 8080, 'tcp', root);
    expect(h).toEqual({ pid: 812, command: 'nginx', localIp: '127.0.0.1', localPort: 8080 });
    expect(h && describeHolder(h)).toBe('nginx (pid 812)');
  });
  it('finds a dual-stack [::] listener blocking an IPv4 bind', async () => {
    expect((await findPortHolder('0.0.0.0', 8081, 'tcp', root))?.command).toBe('node');
    expect((await findPortHolder('::1', 8083, 'tcp', root))?.localIp).toBe('::1');
  });
  it('answers undefined when nobody holds it, for sctp, and when /proc is unreadable', async () => {
    expect(await findPortHolder('0.0.0.0', 9999, 'tcp', root)).toBeUndefined();
    expect(await findPortHolder('0.0.0.0', 8080, 'udp', root)).toBeUndefined();
    expect(await findPortHolder('0.0.0.0', 8080, 'sctp', root)).toBeUndefined();
    expect(await findPortHolder('0.0.0.0', 8080, 'tcp', join(root, 'missing'))).toBeUndefined();
  });
});
