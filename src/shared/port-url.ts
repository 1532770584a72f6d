// "Open in browser" for a published TCP port: the URL is built here from
// the binding, and Electron's main process opens only URLs of this shape
// (http, an IP literal or localhost, a port, nothing else), so a renderer
// cannot make it launch an arbitrary link or scheme.

// A wildcard binding is reached on loopback: 0.0.0.0 -> 127.0.0.1, :: -> [::1].
export function portUrl(hostIp: string | undefined, hostPort: number | string): string {
  const ip = (hostIp ?? '').replace(/^\[|\]$/g, '');
  const host = !ip || ip === '0.0.0.0' ? '127.0.0.1' : ip === '::' ? '[::1]' : ip.includes(':') ? `[${ip}]` : ip;
  const port = Number(hostPort);
  return port === 80 ? `http://${host}/` : `http://${host}:${port}/`; // the URL parser drops :80 itself
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const IPV6 = /^\[[0-9a-f:.]+\]$/i;

export function isPortUrl(s: unknown): s is string {
  if (typeof s !== 'string' || s.length > 80) return false;
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return false;
  }
  const port = u.port === '' ? 80 : Number(u.port);
  return (
    u.protocol === 'http:' &&
    (IPV4.test(u.hostname) || IPV6.test(u.hostname) || u.hostname === 'localhost') &&
    Number.isInteger(port) && port >= 1 && port <= 65535 &&
    u.pathname === '/' && !u.search && !u.hash && !u.username && !u.password &&
    s === u.href
  );
}
