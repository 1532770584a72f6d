import http from 'node:http';
import { lstatSync } from 'node:fs';

// Containers of other engines, read through their API sockets (Docker's and
// Podman's Docker-compatible API), never through root-only files.
export interface EngineContainer {
  source: 'docker' | 'podman';
  id: string;
  name: string;
  status: string;
  pid: number | null;
  addresses: string[];
}

export type EngineSource = EngineContainer['source'];
const DEFAULT_SOCKETS: Record<EngineSource, string> = {
  docker: '/var/run/docker.sock',
  podman: '/run/podman/podman.sock',
};
let sockets: Record<EngineSource, string> = { ...DEFAULT_SOCKETS };

// `berth helper --docker-socket PATH`: where Docker's API listens when not at
// its default place (also what the tests point at a fake Docker API).
export function useEngineSockets(o: Partial<Record<EngineSource, string>>): void {
  sockets = { ...DEFAULT_SOCKETS, ...o };
}

// The engines whose socket is there and root's (the helper's own user: root
// outside tests): the helper believes what the API says (names it shows), so
// a socket anyone could have put in place is not asked.
export function engineSockets(): { source: EngineSource; path: string }[] {
  return (Object.entries(sockets) as [EngineSource, string][])
    .filter(([, path]) => {
      try {
        const st = lstatSync(path);
        return st.isSocket() && (st.uid === 0 || st.uid === process.getuid?.());
      } catch {
        return false;
      }
    })
    .map(([source, path]) => ({ source, path }));
}

export function getJson<T>(socketPath: string, path: string, timeoutMs = 2000): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = http.get({ socketPath, path, timeout: timeoutMs, headers: { host: 'localhost' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
        if (body.length > 16 << 20) req.destroy(new Error('response too large'));
      });
      res.on('end', () => {
        if ((res.statusCode ?? 500) >= 400) return reject(new Error(`${path}: HTTP ${res.statusCode}`));
        try {
          resolve(JSON.parse(body) as T);
        } catch (e) {
          reject(e as Error);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${socketPath} did not answer in ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

interface ListItem { Id: string; Names?: string[]; State?: string; Status?: string }
interface Inspect {
  State?: { Pid?: number; Status?: string };
  NetworkSettings?: { IPAddress?: string; Networks?: Record<string, { IPAddress?: string; IPPrefixLen?: number }> };
}

export async function listEngineContainers(errors: string[]): Promise<EngineContainer[]> {
  const out: EngineContainer[] = [];
  for (const { source, path } of engineSockets()) {
    try {
      const list = await getJson<ListItem[]>(path, '/containers/json');
      for (const c of list.slice(0, 500)) {
        const i = await getJson<Inspect>(path, `/containers/${encodeURIComponent(c.Id)}/json`).catch(() => ({}) as Inspect);
        const nets = Object.values(i.NetworkSettings?.Networks ?? {});
        out.push({
          source,
          id: c.Id,
          name: (c.Names?.[0] ?? c.Id.slice(0, 12)).replace(/^\//, ''),
          status: c.Status ?? c.State ?? i.State?.Status ?? '',
          pid: i.State?.Pid || null,
          addresses: nets.filter((n) => n.IPAddress).map((n) => `${n.IPAddress}/${n.IPPrefixLen ?? 32}`),
        });
      }
    } catch (e) {
      errors.push(`${source} (${path}): ${(e as Error).message}`);
    }
  }
  return out;
}
