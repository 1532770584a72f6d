import type { Proto } from '../../../src/shared/ports';
import type { OrphanPort } from '../portmap/allocator';
import { finalizeExit } from './containers';
import type { Engine } from './engine';
import { checkDrift } from './restore';

// What cleanup asks the engine to let go of, once it found it dead.
//
// Host ports Berth holds with no mapping: the service frees them (under the
// engine's queue, so no run or port add interleaves), then the firewall is
// rewritten from the store, which drops port rules no mapping renders.
export async function releaseOrphans(eng: Engine, ports: OrphanPort[]): Promise<void> {
  const held = ports.filter((p): p is OrphanPort & { hostPort: number } => p.hostPort !== null);
  await eng.serial(() => eng.ports.releaseOrphans(eng.state, held.map((p) => ({ ...p, proto: p.proto as Proto }))));
  await checkDrift(eng, true);
}

// Store entries whose kernel objects vanished behind Berth's back: a
// container whose namespace was deleted has exited; bridges and veths of
// live sandboxes are put back.
export async function releaseMissing(eng: Engine, targets: { what: 'network' | 'endpoint' | 'netns'; id: string }[]): Promise<void> {
  for (const t of targets.filter((x) => x.what === 'netns')) {
    const c = Object.values(eng.state.containers).find((x) => x.netns === t.id && x.state.status !== 'exited');
    if (c) eng.kernel.signalGroup(c.state.pid, 'SIGKILL'); // its network is gone; Docker would not leave it running either
    if (c) await finalizeExit(eng, c.id, c.state.pid, 255, `network namespace ${t.id} was deleted outside Berth`);
  }
  await checkDrift(eng, true);
}
