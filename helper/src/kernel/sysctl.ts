import { readFile, writeFile } from 'node:fs/promises';

const path = (key: string) => `/proc/sys/${key.replace(/\./g, '/')}`;

export async function readSysctl(key: string): Promise<string | null> {
  try {
    return (await readFile(path(key), 'utf8')).trim();
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
