import { readFile } from 'node:fs/promises';
import { BerthError, notFound } from '../../../src/shared/errors';
import { holdNetns, netnsPath, protectedNetns, type HeldNetns } from '../kernel/netns';
import { procStartTime } from '../kernel/process';

// `network connect --pid/--netns` reaches only a namespace the helper's owner
// could enter anyway: one held by a process of the owner (real and effective
// uid), or a netns file the owner owns; a root owner may attach anything but
// the host's namespace (PID 1's) and the helper's own. The namespace is opened
// once; the checks and the change both go through that descriptor.
export interface ForeignNs {
  held: HeldNetns;
  startTime?: string; // for --pid: the process checked
}

const refuse = (msg: string) => new BerthError('invalid_argument', msg);

export async function openPidNetns(pid: number, ownerUid: number): Promise<ForeignNs> {
  const st = await procStartTime(pid);
  if (st === null) throw notFound(`no process with PID ${pid}`);
  let held: HeldNetns;
  try {
    held = holdNetns(`/proc/${pid}/ns/net`, false);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EACCES') throw refuse(`cannot open the network namespace of process ${pid}: permission denied`);
    throw notFound(`no process with PID ${pid}`);
  }
  try {
    const uids = await procUids(pid);
    // the same process from before the open until after the checks
    if (uids === null || (await procStartTime(pid)) !== st) throw notFound(`no process with PID ${pid}`);
    check(held, `process ${pid}`, uids, ownerUid);
    return { held, startTime: st };
  } catch (e) {
    held.close();
    throw e;
  }
}

export function openNamedNetns(name: string, ownerUid: number): ForeignNs {
  let held: HeldNetns;
  try {
    held = holdNetns(netnsPath(name), true);
  } catch {
    throw notFound(`no network namespace named ${name}`);
  }
  try {
    check(held, `netns ${name}`, [held.uid], ownerUid);
    return { held };
  } catch (e) {
    held.close();
    throw e;
  }
}

function check(held: HeldNetns, what: string, uids: number[], ownerUid: number): void {
  for (const p of protectedNetns())
    if (p.ino === held.ino && p.dev === held.dev) throw refuse(`${what} is in ${p.what}: Berth does not attach networks there`);
  const other = uids.find((u) => u !== ownerUid);
  if (ownerUid !== 0 && other !== undefined)
    throw refuse(`${what} belongs to uid ${other}, not to the helper's owner (uid ${ownerUid}): Berth attaches only namespaces its owner could enter`);
}

// Real and effective uid from /proc/PID/status.
async function procUids(pid: number): Promise<number[] | null> {
  try {
    const line = (await readFile(`/proc/${pid}/status`, 'utf8')).split('\n').find((l) => l.startsWith('Uid:'));
    return line ? line.split(/\s+/).slice(1, 3).map(Number) : null;
  } catch {
    return null;
  }
}
