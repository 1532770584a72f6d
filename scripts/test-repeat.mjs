// The flake hunter: runs a test file, a filter or the whole suite N times,
// optionally with the CPU kept busy, and reports which tests ever failed.
//
//   npm run test:repeat -- N [FILTER...] [--load[=K]] [--shuffle] [--project P] [-t NAME]
//
// FILTER is what vitest takes (a path or part of one); its suite is read from
// the path (test/integration/ → integration, e2e/ → e2e, helper/ src/ bench/
// → unit; anything else: every suite) unless --project says. --load starts K busy loops (default: one per core) that
// this script owns and ends by PID; they also end on their own if it dies.
// --shuffle runs the files and each file's tests in a random order, a new
// seed per run (printed, to replay one order: vitest --sequence.shuffle.files
// --sequence.shuffle.tests --sequence.seed=SEED): a test that needs what
// another one left behind fails, and files meet other neighbours in the pool.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { outcomes, runSuite, SUITES } from './suites.mjs';

function usage(msg) {
  if (msg) console.error(`test:repeat: ${msg}`);
  console.error('usage: npm run test:repeat -- N [FILTER...] [--load[=K]] [--shuffle] [--project unit|integration|e2e] [-t NAME]');
  process.exit(2);
}

const args = process.argv.slice(2);
const n = Number(args.shift());
if (!Number.isInteger(n) || n < 1 || n > 100) usage('N must be a whole number from 1 to 100');
const filters = [];
const projects = [];
const vitestArgs = [];
let load = 0;
let shuffle = false;
while (args.length) {
  const a = args.shift();
  if (a === '--load') load = availableParallelism();
  else if (a.startsWith('--load=')) load = Number(a.slice(7));
  else if (a === '--shuffle') shuffle = true;
  else if (a === '--project') projects.push(args.shift());
  else if (a === '-t') vitestArgs.push('-t', args.shift() ?? usage('-t needs a test name pattern'));
  else if (a.startsWith('-')) usage(`unknown option ${a}`);
  else filters.push(a);
}
if (!Number.isInteger(load) || load < 0 || load > 4 * availableParallelism()) usage(`--load must be 0 to ${4 * availableParallelism()} busy loops`);
for (const p of projects) if (!SUITES.includes(p)) usage(`--project must be one of ${SUITES.join(', ')}`);

// a path names its suite; any other filter may match files of every suite
const suiteOf = (f) =>
  f.startsWith('test/integration') ? 'integration' : f.startsWith('e2e') ? 'e2e' : /^(helper|src|bench)\//.test(f) ? 'unit' : null;
const suites = projects.length ? projects : filters.length && filters.every(suiteOf) ? SUITES.filter((s) => filters.some((f) => suiteOf(f) === s)) : SUITES;

// Busy loops: each checks every ~10 ms that its parent is still this script
// and stops after two hours whatever happens, so none outlives the hunt.
const loops = [];
function startLoad() {
  const body = `const p=${process.pid},end=Date.now()+7200e3;for(;;){const t=Date.now()+10;while(Date.now()<t);if(process.ppid!==p||Date.now()>end)process.exit(0)}`;
  for (let i = 0; i < load; i++) loops.push(spawn(process.execPath, ['-e', body], { stdio: 'ignore' }));
}
function stopLoad() {
  for (const c of loops) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  loops.length = 0;
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'])
  process.on(sig, () => {
    stopLoad();
    process.exit(130);
  });
process.on('exit', stopLoad);

const dir = 'test-results/repeat';
mkdirSync(dir, { recursive: true });
const seen = new Map(); // test name -> { suite, runs, failures, firstError }
const runs = [];
console.log(`test:repeat: ${n} run${n > 1 ? 's' : ''} of ${suites.join(', ')}${filters.length ? ` [${filters.join(' ')}]` : ''}${load ? `, under load (${load} busy loop${load > 1 ? 's' : ''})` : ''}${shuffle ? ', tests shuffled' : ''}`);
startLoad();
for (let i = 1; i <= n; i++) {
  const t0 = Date.now();
  let passed = 0;
  let failed = 0;
  const seed = shuffle ? 1 + Math.floor(Math.random() * 1e9) : null;
  const order = seed ? ['--sequence.shuffle.files', '--sequence.shuffle.tests', `--sequence.seed=${seed}`] : [];
  for (const suite of suites) {
    // the PID in the name: two hunts at once in one checkout read only their own reports
    const jsonOut = `${dir}/run-${i}-${suite}-${process.pid}.json`;
    // vitest's own output goes to the terminal as dots; the report is read back
    const { code, report } = await runSuite(suite, { args: [...vitestArgs, ...order, '--passWithNoTests', ...filters], jsonOut, reporter: 'dot' });
    const results = report ? outcomes(report) : [{ name: `${suite} suite (no report, exit ${code})`, status: 'failed', message: '' }];
    for (const r of results) {
      if (r.status !== 'passed' && r.status !== 'failed') continue;
      const s = seen.get(r.name) ?? { suite, runs: 0, failures: 0, firstError: '', seeds: [] };
      s.runs++;
      if (r.status === 'failed') {
        s.failures++;
        s.firstError ||= r.message.split('\n').find((l) => l.trim()) ?? '';
        if (seed) s.seeds.push(seed);
        failed++;
      } else passed++;
      seen.set(r.name, s);
    }
  }
  const secs = (Date.now() - t0) / 1000;
  runs.push({ run: i, passed, failed, seconds: secs, ...(seed ? { seed } : {}) });
  console.log(`\ntest:repeat: run ${i}/${n}: ${passed} passed, ${failed} failed, ${secs.toFixed(1)} s${seed ? `, seed ${seed}` : ''}`);
}
stopLoad();

const flaky = [...seen].filter(([, s]) => s.failures > 0).sort((a, b) => b[1].failures - a[1].failures);
writeFileSync(`${dir}/summary.json`, JSON.stringify({ n, suites, filters, load, shuffle, runs, failures: Object.fromEntries(flaky) }, null, 2) + '\n');
console.log(`\n=== test:repeat: ${n} runs${load ? `, ${load} busy loops` : ''} ===`);
for (const r of runs) console.log(`run ${r.run}: ${r.passed} passed, ${r.failed} failed, ${r.seconds.toFixed(1)} s${r.seed ? `, seed ${r.seed}` : ''}`);
if (!flaky.length) console.log(`no test failed: ${seen.size} tests passed in every run`);
else {
  console.log(`${flaky.length} test${flaky.length > 1 ? 's' : ''} failed at least once (of ${seen.size}):`);
  for (const [name, s] of flaky) console.log(`  ${s.failures}/${s.runs}  [${s.suite}] ${name}${s.seeds.length ? ` (seeds ${s.seeds.join(', ')})` : ''}\n         ${s.firstError.slice(0, 300)}`);
}
console.log(`reports: ${dir}/`);
process.exit(flaky.length ? 1 : 0);
