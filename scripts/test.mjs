// The README's test command: every suite, then one plain summary line
// (`N passed, N failed`) that CI reads.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { outcomes, runSuite, SUITES } from './suites.mjs';

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
  // a file that failed to load or whose hook failed counts as a failure too (see outcomes)
  const o = outcomes(j);
  passed += o.filter((t) => t.status === 'passed').length;
  failed += o.filter((t) => t.status === 'failed').length;
  skipped += o.filter((t) => t.status !== 'passed' && t.status !== 'failed').length;
  // vitest itself said it failed, though no test did: never report that as green
  if (code !== 0 && !o.some((t) => t.status === 'failed')) {
    console.error(`suite ${s}: vitest exited ${code} with no failed test in its report`);
    failed++;
  }
}
if (crashed) failed++;
const summary = `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;
writeFileSync('test-results/summary.txt', summary + '\n');
// the e2e screenshots of every view (both sizes, both themes) are artifacts: say where
const shots = existsSync('test-results/screenshots') ? readdirSync('test-results/screenshots').filter((f) => f.endsWith('.png')).length : 0;
if (shots) console.log(`\n${shots} screenshots in test-results/screenshots/`);
console.log(`\n${summary}`);
process.exit(failed ? 1 : 0);
