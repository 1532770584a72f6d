import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HELPER_ENV, HELPER_NODE_FLAGS, HELPER_V8_FLAGS } from './helper-node-flags';

// The starts that cannot import the list write it out: they must say the same.
describe("the helper's Node flags, on every path that starts it", () => {
  const read = (p: string) => readFileSync(new URL(`../../${p}`, import.meta.url), 'utf8');

  // quoted as one assignment: systemd splits an unquoted Environment= value at
  // spaces, and "--max-old-space-size=1024" alone is no assignment (package-deb's
  // systemd-analyze verify says so)
  it('the systemd unit sets them in NODE_OPTIONS', () => {
    expect(/^Environment="NODE_OPTIONS=(.*)"$/m.exec(read('packaging/deb/berth-helper.service'))?.[1]).toBe(HELPER_NODE_FLAGS.join(' '));
  });

  it('the systemd unit sets the malloc settings in its environment', () => {
    const unit = read('packaging/deb/berth-helper.service');
    expect(/^Environment=(MALLOC_.*)$/m.exec(unit)?.[1]).toBe(Object.entries(HELPER_ENV).map(([k, v]) => `${k}=${v}`).join(' '));
  });

  it("npm start's foreground helper gets the malloc settings", () => {
    expect(read('scripts/start.mjs')).toContain(`const env = { ...process.env, ${Object.entries(HELPER_ENV).map(([k, v]) => `${k}: '${v}'`).join(', ')} };`);
  });

  it("npm start's foreground helper gets them", () => {
    const start = read('scripts/start.mjs');
    expect(start).toContain(`spawn(NODE, [${HELPER_NODE_FLAGS.map((f) => `'${f}'`).join(', ')}, BERTH, 'helper', '--foreground'`);
  });

  // set from inside (setFlagsFromString ignores a flag it does not know, saying so
  // only on stderr): a Node that dropped or renamed one fails here, not silently
  it('the V8 flags the helper sets on itself are known to this Node', () => {
    expect(() => execFileSync(process.execPath, [...HELPER_V8_FLAGS, '-e', '0'], { stdio: 'pipe' })).not.toThrow();
  });
});
