import http from 'node:http';
import { existsSync } from 'node:fs';

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

const SOCKETS: { source: EngineContainer['source']; path: string }[] = [
  { source: 'docker', path: '/var/run/docker.sock' },
  { source: 'podman', path: '/run/podman/podman.sock' },
];

function getJson<T>(socketPath: string, path: string, timeoutMs = 2000): Promise<T> {
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
  for (const { source, path } of SOCKETS) {
    if (!existsSync(path)) continue;
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
