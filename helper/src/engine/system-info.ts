import { hostname, release } from 'node:os';
import type { SystemInfo } from '../../../src/shared/system';
import type { Engine } from './engine';

// `berth info` / system.info: what runs, where, and what Berth changed on the host.
export async function systemInfo(
  eng: Engine,
  d: { version: string; dataRoot: string; ownerUid: number; socketPath: string; startedAt: string },
): Promise<SystemInfo> {
  const neighbours = eng.opts.firewall.neighbours?.();
  return {
    version: d.version,
    pid: process.pid,
    kernel: `Linux ${release()} (${hostname()})`,
    firewallBackend: eng.opts.firewall.name,
    ipForward: (await eng.kernel.readSysctl('net.ipv4.ip_forward')) === '1',
    // what Berth changed on the host, and what it did in the host's other firewalls
    hostChanges: [...eng.hostChanges, ...(neighbours?.done ?? [])],
    dataRoot: d.dataRoot,
    ownerUid: d.ownerUid,
    socket: d.socketPath,
    startedAt: d.startedAt,
    warnings: [...eng.warnings, ...(neighbours?.warnings ?? [])],
  };
}
