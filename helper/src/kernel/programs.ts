import { accessSync, constants, statSync } from 'node:fs';
import { BerthError } from '../../../src/shared/errors';

// The helper is root and its caller is not: no program it starts is found
// through a PATH someone else chose, and none inherits the caller's
// environment (LD_PRELOAD, LD_LIBRARY_PATH, …). Each program is resolved once,
// from directories only root can write, to an absolute path, and runs with
// this fixed environment.
export const SAFE_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';
export const FIXED_ENV: Readonly<Record<string, string>> = Object.freeze({ LC_ALL: 'C', PATH: SAFE_PATH });

const resolved = new Map<string, string>();

export function program(name: string): string {
  if (name.startsWith('/')) return name;
  const hit = resolved.get(name);
  if (hit) return hit;
  for (const dir of SAFE_PATH.split(':')) {
    const file = `${dir}/${name}`;
    try {
      const st = statSync(file);
      accessSync(file, constants.X_OK);
      // a program root runs must be root's: owned by root, writable by nobody else
      if (!st.isFile() || st.uid !== 0 || (st.mode & 0o022) !== 0) continue;
      resolved.set(name, file);
      return file;
    } catch {
      /* next directory */
    }
  }
  throw new BerthError('unavailable', `${name} is not installed (looked for a root-owned program in ${SAFE_PATH})`);
}
