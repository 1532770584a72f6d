import { constants } from 'node:fs';
import { copyFile, lstat, mkdir, open, readdir, rename } from 'node:fs/promises';
import { createFreshAsync } from '../kernel/safe-files';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { BerthError } from '../../../src/shared/errors';
import type { Family as IpFamily } from '../kernel/iptables';
import { SnapshotFile, SNAPSHOT_ID_RE } from './snapshot-schema';

// What one apply removed, enough to put each thing back where it was. Read
// back through its schema (snapshot-schema.ts), which must stay assignable to it.
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

// The newest snapshot (ids sort by time); null when there is none. Only
// names of the id's form are snapshots; the newest one that has a manifest is
// the one undo may take back, and when it is not a file Berth wrote (another
// owner, a link, over MAX_SNAPSHOT_BYTES, or not the schema: its rule texts
// go to iptables-restore, its names to `ip`) undo refuses in one line and
// changes nothing, rather than take back an older cleanup instead.
export async function latestSnapshot(dataRoot: string): Promise<{ dir: string; snap: Snapshot } | null> {
  const ids = (await readdir(dirOf(dataRoot)).catch(() => [] as string[])).filter((id) => SNAPSHOT_ID_RE.test(id)).sort().reverse();
  for (const id of ids) {
    const dir = path.join(dirOf(dataRoot), id);
    const snap = await readManifest(dir, id);
    if (snap) return { dir, snap };
  }
  return null;
}

// Large enough for a cleanup of every rule of a 100,000-rule host (a removed
// rule and its chain's text are ~0.4 KB of manifest), small enough that a
// file planted to exhaust the helper is refused before it is read.
export const MAX_SNAPSHOT_BYTES = 64 << 20;

// The manifest of snapshot `id`; null when it has none (a cleanup stopped
// before its first write). Opened without following a link and without
// blocking on a FIFO, then checked through the descriptor: a regular file of
// the helper's own, one link, writable by nobody else, within the bound.
async function readManifest(dir: string, id: string): Promise<Snapshot | null> {
  const file = path.join(dir, 'snapshot.json');
  const refuse = (why: string) =>
    new BerthError('internal', `cannot undo: ${file} is not a snapshot Berth wrote (${why}); nothing was changed`);
  const d = await lstat(dir);
  if (!d.isDirectory() || d.uid !== process.geteuid!() || d.mode & 0o022) throw refuse('its directory is not the helper\'s own');
  const fh = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return null;
    throw refuse(e.code === 'ELOOP' ? 'a symbolic link' : `cannot open it: ${e.code ?? e.message}`);
  });
  if (!fh) return null;
  let text: string;
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw refuse('not a regular file');
    if (st.uid !== process.geteuid!()) throw refuse(`it belongs to uid ${st.uid}`);
    if (st.nlink !== 1) throw refuse(`it has ${st.nlink} links`);
    if (st.mode & 0o022) throw refuse('it is writable by group or others');
    if (st.size > MAX_SNAPSHOT_BYTES) throw refuse(`${st.size} bytes, over ${MAX_SNAPSHOT_BYTES}`);
    // read at most one byte past the bound: a file that grew after fstat is refused too
    const buf = Buffer.alloc(st.size + 1);
    let n = 0;
    for (let r; n < buf.length && (r = await fh.read(buf, n, buf.length - n, n)).bytesRead > 0; ) n += r.bytesRead;
    if (n > MAX_SNAPSHOT_BYTES || n > st.size) throw refuse('it changed while it was read');
    text = buf.toString('utf8', 0, n);
  } finally {
    await fh.close();
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw refuse('not JSON');
  }
  const parsed = SnapshotFile.safeParse(doc);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw refuse(`${i.path.join('.') || 'the manifest'}: ${i.message}`.replace(/[\x00-\x1f]/g, ' '));
  }
  if (parsed.data.id !== id) throw refuse(`it names snapshot ${JSON.stringify(parsed.data.id)}, not ${id}`);
  const snap: Snapshot = parsed.data; // the schema is no wider than the type
  return snap;
}
