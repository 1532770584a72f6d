import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HELPER_ENV } from '../helper-node-flags';
import { startDetached } from './process';

const dir = mkdtempSync(join(tmpdir(), 'berth-detached-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('startDetached', () => {
  it("gives the child the fixed environment and what it is asked to add (the daemonizing helper's malloc settings)", async () => {
    const log = join(dir, 'log');
    process.env.BERTH_TEST_LEAK = 'x';
    const child = startDetached('/bin/sh', ['-c', 'echo "arena=$MALLOC_ARENA_MAX leak=$BERTH_TEST_LEAK"'], log, HELPER_ENV);
    delete process.env.BERTH_TEST_LEAK;
    expect(await child.exited).toBe(0);
    expect(readFileSync(log, 'utf8').trim()).toBe(`arena=${HELPER_ENV.MALLOC_ARENA_MAX} leak=`);
  });
});
