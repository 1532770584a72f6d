import { createServer } from 'node:net';
import { startProxy, type Proxy } from '../portmap/proxy';
import type { Reservation } from '../portmap/reservation';
import type { PortRecord } from '../store/state';

// What the helper holds for one published mapping while its container runs:
// the bound host socket and, once the container has a gateway address, the
// userland proxy on it. Not persisted: rebuilt from PortRecords at restore.

export interface LiveBinding {
  rec: PortRecord;
  res: Reservation;
  proxy: Proxy | null;
}

// One container's bindings and the container address their proxies point at
// (null: no gateway endpoint right now, so nothing is proxied).
export interface LivePorts {
  bindings: LiveBinding[];
  target: string | null;
}

export const bindingKey = (r: Pick<PortRecord, 'hostIp' | 'hostPort' | 'proto'>) => `${r.hostIp}|${r.hostPort}|${r.proto}`;

// Points every binding's proxy at `ip` (starting, moving or stopping
// proxies). SCTP has no userland proxy: its DNAT rule alone carries it.
export async function pointProxies(bindings: LiveBinding[], ip: string | null): Promise<void> {
  for (const b of bindings) {
    if (b.rec.proto === 'sctp') continue;
    if (ip === null) {
      await b.proxy?.stop();
      b.proxy = null;
    } else if (b.proxy) {
      // open TCP connections to the old address would hang: drop them, as a
      // docker-proxy restart would
      b.proxy.retarget({ ip, port: b.rec.containerPort }, { dropExisting: true });
    } else if (!b.res.isReleased) {
      b.proxy = startProxy(b.res, { ip, port: b.rec.containerPort });
    }
  }
}

// Closes the proxy and the socket; the port is free when this resolves.
export async function releaseBinding(b: LiveBinding): Promise<void> {
  b.proxy = null;
  await b.res.release(); // stops the attached proxy first
}

// Docker binds [::]:PORT next to 0.0.0.0:PORT when the host can listen on
// IPv6. Probed once by binding an IPv6-only socket on an ephemeral port.
export function probeIpv6(): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ host: '::', port: 0, ipv6Only: true }, () => srv.close(() => resolve(true)));
  });
}
