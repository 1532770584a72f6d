import { readFile, writeFile } from 'node:fs/promises';

// A key is dotted words (net.ipv4.ip_forward): each becomes one path
// component under /proc/sys, so no key (one read back from host-originals.json
// at reset included) names a file elsewhere.
const KEY = /^[a-z0-9_-]+(\.[a-z0-9_-]+)+$/;
const path = (key: string) => {
  if (!KEY.test(key)) throw new Error(`bad sysctl key ${JSON.stringify(key)}`);
  return `/proc/sys/${key.replace(/\./g, '/')}`;
};

export async function readSysctl(key: string): Promise<string | null> {
  const file = path(key);
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    return null;
  }
}

// Sets a sysctl and says whether it changed, so the caller can report it.
export async function ensureSysctl(key: string, value: string): Promise<boolean> {
  const cur = await readSysctl(key);
  if (cur === value) return false;
  await writeFile(path(key), value);
  return true;
}

// A per-interface IPv6 setting (net.ipv6.conf.<ifname>.<name>) in the
// helper's namespace; the name is its own path component, so a bridge
// called "br.x" is not read as a deeper key.
export async function setIfSysctl6(ifname: string, name: string, value: string): Promise<void> {
  if (!/^[a-zA-Z0-9_.-]{1,15}$/.test(ifname) || ifname === '.' || ifname === '..' || !/^[a-z0-9_]+$/.test(name)) throw new Error(`bad sysctl ${ifname}/${name}`);
  const file = `/proc/sys/net/ipv6/conf/${ifname}/${name}`;
  if ((await readFile(file, 'utf8')).trim() !== value) await writeFile(file, value);
}
