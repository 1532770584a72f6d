import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// The bench runs (not how fast): a tiny ruleset, one round, so a change that
// breaks the bench breaks CI instead of being found at the next measurement.
describe('bench/inspect.bench.mjs smoke', () => {
  it('runs host.inspect + cleanup plan over a generated ruleset', async () => {
    const script = fileURLToPath(new URL('./inspect.bench.mjs', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, [script], {
      env: { ...process.env, RULES: '280', ROUNDS: '1' },
      timeout: 60_000,
    });
    expect(stdout).toMatch(/round 1: 280 rules, .* findings\)/);
  }, 60_000);
});
