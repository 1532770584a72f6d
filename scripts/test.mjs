// The README's test command: every suite, then one plain summary line
// (`N passed, N failed`) that CI reads.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';

const NETNS_WRAP = [
  'unshare', '--net', '--mount', '--propagation', 'private', '--',
  'sh', '-c', 'mkdir -p /run/netns && mount -t tmpfs berth-test /run/netns && ip link set lo up && exec "$@"', 'in-netns',
];
const suites = process.argv.slice(2).length ? process.argv.slice(2) : ['unit', 'integration', 'e2e'];
mkdirSync('test-results', { recursive: true });
let passed = 0;
let failed = 0;
let skipped = 0;
let crashed = false;
for (const s of suites) {
  const out = `test-results/${s}.json`;
  console.log(`\n=== ${s} tests ===`);
  const vitest = ['npx', 'vitest', 'run', '--project', s, '--reporter=default', '--reporter=json', `--outputFile.json=${out}`];
  // Kernel-touching suites run inside a throwaway network + mount namespace
  // of their own (and each test file makes another one inside it), so the
  // machine's own links and rules are never changed.
  const argv = s === 'unit' ? vitest : [...NETNS_WRAP, ...vitest];
  const r = spawnSync(argv[0], argv.slice(1), { stdio: 'inherit', env: { ...process.env, BERTH_TEST_NETNS: '1' } });
  try {
    const j = JSON.parse(readFileSync(out, 'utf8'));
    passed += j.numPassedTests;
    failed += j.numFailedTests;
    skipped += j.numPendingTests + (j.numTodoTests ?? 0);
    // a file that failed to load counts as a failure even with no test in it
    for (const f of j.testResults) if (f.status === 'failed' && f.assertionResults.length === 0) failed++;
  } catch {
    crashed = true;
    console.error(`suite ${s} produced no report (exit ${r.status})`);
  }
}
if (crashed) failed++;
const summary = `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;
writeFileSync('test-results/summary.txt', summary + '\n');
console.log(`\n${summary}`);
process.exit(failed ? 1 : 0);
