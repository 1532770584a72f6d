import { constants } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rename } from 'node:fs/promises';
import { createFreshAsync } from '../kernel/safe-files';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Family as IpFamily } from '../kernel/iptables';

// What one apply removed, enough to put each thing back where it was.
export interface RemovedRule {
  family: IpFamily;
  table: string;
  chain: string;
  position: number; // 1-based, in the chain as it was before the apply
  spec: string; // what follows `-A CHAIN ` in iptables-save
  byPosition?: boolean; // an identical rule sits earlier in the chain: deleted by number
}
export interface RemovedLink {
  name: string;
  kind: string;
  mac: string;
  mtu: number;
  master: string | null;
  alias: string | null;
  addresses: string[];
  up: boolean;
  // the other end of a veth: its name, where it lived (null = host), and its addresses
  peer: { name: string; netns: string | null; addresses: string[]; up: boolean } | null;
}
export interface Snapshot {
  id: string;
  takenAt: string;
  undone: boolean;
  findings: string[]; // ids applied
  rules: RemovedRule[];
  // rule texts of every chain touched, before the apply: undo checks nothing else changed
  chainsBefore: Record<string, string[]>;
  links: RemovedLink[];
  netns: { name: string; loUp: boolean }[];
  storeCopy: string | null;
}

export const chainKey = (family: string, table: string, chain: string) => `${family}/${table}/${chain}`;

const dirOf = (dataRoot: string) => path.join(dataRoot, 'snapshots');

// Ids sort by time, so "latest" is the last id: milliseconds in the name and
// never the same millisecond twice in one helper, or two cleanups within a
// second would be ordered by their random suffix.
let lastMs = 0;
export function newSnapshotId(now = new Date()): string {
  const ms = Math.max(now.getTime(), lastMs + 1);
  lastMs = ms;
  return `${new Date(ms).toISOString().replace(/[-:.]/g, '')}-${randomBytes(3).toString('hex')}`;
}

export async function createSnapshotDir(dataRoot: string, id: string): Promise<string> {
  const dir = path.join(dirOf(dataRoot), id);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return dir;
}

export async function saveFile(dir: string, name: string, text: string): Promise<void> {
  // as every file root creates: O_EXCL|O_NOFOLLOW (kernel/safe-files.ts)
  await createFreshAsync(path.join(dir, name), text, { mode: 0o600 });
}

export async function copyStore(dir: string, storePath: string): Promise<string | null> {
  try {
    // COPYFILE_EXCL: the copy is created O_EXCL, so never through a link already there
    await copyFile(storePath, path.join(dir, 'store.json'), constants.COPYFILE_EXCL);
    return 'store.json';
  } catch {
    return null; // no store yet: nothing to keep
  }
}

// Written to a temp name then renamed, so a crash never leaves half a manifest.
export async function writeManifest(dir: string, s: Snapshot): Promise<void> {
  const tmp = path.join(dir, 'snapshot.json.tmp');
  await createFreshAsync(tmp, JSON.stringify(s, null, 2), { mode: 0o600 });
  await rename(tmp, path.join(dir, 'snapshot.json'));
}

// The newest snapshot (ids sort by time); null when there is none.
export async function latestSnapshot(dataRoot: string): Promise<{ dir: string; snap: Snapshot } | null> {
  const ids = (await readdir(dirOf(dataRoot)).catch(() => [] as string[])).sort().reverse();
  for (const id of ids) {
    const dir = path.join(dirOf(dataRoot), id);
    const text = await readFile(path.join(dir, 'snapshot.json'), 'utf8').catch(() => null);
    if (text) return { dir, snap: JSON.parse(text) as Snapshot };
  }
  return null;
}
