import { readFileSync } from 'node:fs';

// The one reader of /proc/self/mountinfo (proc(5)): the last mount on
// `path` (the one seen there) as its fields, or null when nothing is
// mounted there. Field 5 is the mount point with space, tab, newline and
// backslash written as octal escapes (\040 …), decoded here so a data root
// with a space in its name is still found.
export interface MountAt {
  shared: boolean; // "shared:N" among the optional fields: mounts propagate to its peers
}

export function mountAt(path: string): MountAt | null {
  let last: string | null = null;
  for (const l of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const f = l.split(' ');
    if (f.length > 4 && unescape(f[4]) === path) last = l;
  }
  if (last === null) return null;
  return { shared: / shared:\d+/.test(last.split(' - ')[0]) };
}

// The mount points strictly below `dir` (a directory's own path excluded):
// whether anything is still mounted inside it.
export function mountsBelow(dir: string): string[] {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  const out: string[] = [];
  for (const l of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const f = l.split(' ');
    if (f.length > 4 && unescape(f[4]).startsWith(prefix)) out.push(unescape(f[4]));
  }
  return out;
}

const unescape = (field: string) => field.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
