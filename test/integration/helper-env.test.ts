import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { HELPER_ENV } from '../../helper/src/helper-node-flags';
import { hostPerTest } from './harness';

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
