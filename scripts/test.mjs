// The README's test command: every suite, then one plain summary line
// (`N passed, N failed`) that CI reads.
import { mkdirSync, writeFileSync } from 'node:fs';
import { runSuite, SUITES } from './suites.mjs';

const suites = process.argv.slice(2).length ? process.argv.slice(2) : SUITES;
mkdirSync('test-results', { recursive: true });
let passed = 0;
let failed = 0;
let skipped = 0;
let crashed = false;
for (const s of suites) {
  console.log(`\n=== ${s} tests ===`);
  const { code, report: j } = await runSuite(s, { jsonOut: `test-results/${s}.json` });
  if (!j) {
    crashed = true;
    console.error(`suite ${s} produced no report (exit ${code})`);
    continue;
  }
  passed += j.numPassedTests;
  failed += j.numFailedTests;
  skipped += j.numPendingTests + (j.numTodoTests ?? 0);
  // a file that failed to load counts as a failure even with no test in it
  for (const f of j.testResults) if (f.status === 'failed' && f.assertionResults.length === 0) failed++;
}
if (crashed) failed++;
const summary = `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;
writeFileSync('test-results/summary.txt', summary + '\n');
console.log(`\n${summary}`);
process.exit(failed ? 1 : 0);
