import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HELPER_ENV } from '../../helper/src/helper-node-flags';
import { hostPerTest, waitFor } from './harness';

// The tests' helper runs with the malloc settings every real start gives it
// (helper-node-flags.ts), so what they measure and exercise is that helper.
describe("the test host's helper", () => {
  const host = hostPerTest((h) => h.startHelper());

  it('has the helper environment (glibc malloc settings)', async () => {
    const h = host();
    const env = (await readFile(`/proc/${h.helperHostPid}/environ`, 'utf8')).split('\0');
    for (const [k, v] of Object.entries(HELPER_ENV)) expect(env).toContain(`${k}=${v}`);
  });
});

// A helper run by hand through the berth launcher (`berth helper --foreground`):
// bin/berth sets the same settings, written out (a shell cannot import them).
describe('a helper run by hand with --foreground', () => {
  const host = hostPerTest(async () => {});

  it('has the helper environment (glibc malloc settings)', async () => {
    const h = host();
    const launcher = fileURLToPath(new URL('../../bin/berth', import.meta.url));
    const helper = h.spawn([launcher, 'helper', '--foreground', '--socket', h.socket, '--data-root', h.dataRoot]);
    try {
      const pid = await waitFor(async () => {
        const { outer } = await helper.pids();
        const cmd = await readFile(`/proc/${outer}/cmdline`, 'utf8').catch(() => '');
        return cmd.includes('berth.cjs') ? outer : false; // the shell has exec'd node
      }, 60_000, 'the launcher to exec node');
      const env = (await readFile(`/proc/${pid}/environ`, 'utf8')).split('\0');
      for (const [k, v] of Object.entries(HELPER_ENV)) expect(env).toContain(`${k}=${v}`);
    } finally {
      await helper.signal('SIGTERM');
      await helper.proc;
    }
  });
});
