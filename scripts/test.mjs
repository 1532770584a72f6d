// The README's test command: every suite, then one plain summary line
// (`N passed, N failed`) that CI reads.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';

const suites = process.argv.slice(2).length ? process.argv.slice(2) : ['unit', 'integration', 'e2e'];
mkdirSync('test-results', { recursive: true });
let passed = 0;
let failed = 0;
let skipped = 0;
let crashed = false;
for (const s of suites) {
  const out = `test-results/${s}.json`;
  console.log(`\n=== ${s} tests ===`);
  const r = spawnSync(
    'npx',
    ['vitest', 'run', '--project', s, '--reporter=default', '--reporter=json', `--outputFile.json=${out}`],
    { stdio: 'inherit' },
  );
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
