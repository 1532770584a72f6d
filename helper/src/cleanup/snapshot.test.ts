import { chmodSync, chownSync, linkSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createSnapshotDir, latestSnapshot, MAX_SNAPSHOT_BYTES, newSnapshotId, writeManifest, type Snapshot } from './snapshot';
import { undoLast } from './undo-last';

// Undo hands a snapshot's rule texts to iptables-restore and its names to
// `ip -batch`: a manifest that is not one apply wrote is refused in one line
// before anything runs (docs/decisions.md, "What root reads back").
const root = mkdtempSync(join(tmpdir(), 'berth-snap-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
let dataRoot = '';
let dir = '';
let id = '';
const good = (): Snapshot => ({
  id,
  takenAt: '2026-12-02T23:00:00.000Z',
  undone: false,
  findings: ['f1'],
  rules: [{ family: 'ipv4', table: 'nat', chain: 'DOCKER', position: 2, spec: '-i br-1 -j RETURN -m comment --comment "a\tb"', byPosition: true }],
  chainsBefore: { 'ipv4/nat/DOCKER': ['-A DOCKER -j RETURN', '-A DOCKER -i br-1 -j RETURN'] },
  links: [
    {
      name: 'veth1a', kind: 'veth', mac: '02:42:ac:11:00:02', mtu: 1500, master: 'br-1', alias: 'berth:x', addresses: ['10.1.0.5/24', 'fd00::5/64'], up: true,
      peer: { name: 'eth0', netns: 'berth-0123456789ab', addresses: [], up: true },
    },
    { name: 'br-1', kind: 'bridge', mac: '', mtu: 1500, master: null, alias: null, addresses: [], up: false, peer: null },
  ],
  netns: [{ name: 'berth-0123456789ab', loUp: true }],
  storeCopy: null,
});
const file = () => join(dir, 'snapshot.json');
const plant = (text: string) => {
  unlinkSync(file());
  writeFileSync(file(), text, { mode: 0o600 });
};
const refused = (why: RegExp) => expect(latestSnapshot(dataRoot)).rejects.toThrow(why);

beforeEach(async () => {
  dataRoot = join(root, String(n++));
  id = newSnapshotId();
  dir = await createSnapshotDir(dataRoot, id);
  await writeManifest(dir, good());
});

describe('latestSnapshot', () => {
  it('reads back what apply wrote', async () => {
    expect(await latestSnapshot(dataRoot)).toEqual({ dir, snap: good() });
  });

  it('takes the newest manifest; a cleanup that stopped before its first write has none and is passed over', async () => {
    await createSnapshotDir(dataRoot, newSnapshotId());
    await createSnapshotDir(dataRoot, 'zzz-not-a-snapshot');
    expect((await latestSnapshot(dataRoot))?.snap.id).toBe(id);
  });

  it('refuses a rule text of more than one line (the rest would be iptables-restore commands)', async () => {
    const s = good();
    s.rules[0].spec = '-j RETURN\nCOMMIT\n*filter\n-F INPUT';
    plant(JSON.stringify(s));
    await refused(/^cannot undo: .*snapshot\.json is not a snapshot Berth wrote \(rules\.0\.spec: not one line of rule text\); nothing was changed$/);
  });

  it('refuses names and words that are not one word for ip -batch', async () => {
    const cases: [(s: Snapshot) => void, RegExp][] = [
      [(s) => (s.links[0].name = 'eth0 up\nlink del lo'), /links\.0\.name/],
      [(s) => (s.links[0].peer!.netns = 'a b'), /links\.0\.peer\.netns/],
      [(s) => (s.links[0].addresses = ['10.1.0.5/24 dev lo']), /links\.0\.addresses\.0/],
      [(s) => (s.links[0].kind = 'veth peer name x'), /links\.0\.kind/],
      [(s) => (s.rules[0].table = 'nat\n-F'), /rules\.0\.table/],
      [(s) => (s.rules[0].chain = '-F'), /rules\.0\.chain/],
      [(s) => (s.rules[0].position = 0), /rules\.0\.position/],
      [(s) => (s.netns[0].name = ''), /netns\.0\.name/],
      [(s) => Object.assign(s, { extra: 1 }), /extra|Unrecognized/],
    ];
    for (const [spoil, why] of cases) {
      const s = good();
      spoil(s);
      plant(JSON.stringify(s));
      await refused(why);
    }
  });

  it('refuses a manifest of another snapshot, one that is not JSON, and one over the bound', async () => {
    plant(JSON.stringify({ ...good(), id: '20200101T000000000Z-abcdef' }));
    await refused(/names snapshot "20200101T000000000Z-abcdef"/);
    plant('{"id":');
    await refused(/\(not JSON\)/);
    plant(' '.repeat(MAX_SNAPSHOT_BYTES + 1));
    await refused(/over 67108864/);
  });

  it('refuses a symbolic link, a hard link, another owner, a file others may write, a FIFO', async () => {
    const real = join(dataRoot, 'elsewhere.json');
    writeFileSync(real, JSON.stringify(good()), { mode: 0o600 });
    unlinkSync(file());
    symlinkSync(real, file());
    await refused(/\(a symbolic link\)/);
    unlinkSync(file());
    linkSync(real, file());
    await refused(/has 2 links/);
    unlinkSync(real);
    chownSync(file(), 4242, 4242);
    await refused(/belongs to uid 4242/);
    chownSync(file(), 0, 0);
    chmodSync(file(), 0o622);
    await refused(/writable by group or others/);
    unlinkSync(file());
    const { execFileSync } = await import('node:child_process');
    execFileSync('mkfifo', [file()]);
    await refused(/not a regular file/);
  });
});

describe('undoLast', () => {
  it('refuses a bad manifest before it runs anything, and leaves the file as it was', async () => {
    const s = good();
    s.rules[0].spec = '-j RETURN\nCOMMIT';
    plant(JSON.stringify(s));
    const before = readFileSync(file(), 'utf8');
    await expect(undoLast(dataRoot)).rejects.toMatchObject({ kind: 'internal', message: expect.stringMatching(/^cannot undo: [^\n]*nothing was changed$/) });
    expect(readFileSync(file(), 'utf8')).toBe(before);
  });
});
