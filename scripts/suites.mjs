// How one vitest project is run, shared by the README's test command
// (scripts/test.mjs) and the flake hunter (scripts/test-repeat.mjs).
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';

export const SUITES = ['unit', 'integration', 'e2e'];

// Kernel-touching suites run inside a throwaway network + mount namespace of
// their own (and each test file makes another one inside it), so the
// machine's own links and rules are never changed.
const NETNS_WRAP = [
  'unshare', '--net', '--mount', '--propagation', 'private', '--',
  'sh', '-c', 'mkdir -p /run/netns && mount -t tmpfs berth-test /run/netns && ip link set lo up && exec "$@"', 'in-netns',
];

// Runs `vitest run --project <suite> [args]`, writing vitest's JSON report to
// `jsonOut`. Resolves to { code, report } (report null when vitest wrote none).
export function runSuite(suite, { args = [], jsonOut, reporter = 'default', stdio = 'inherit' }) {
  rmSync(jsonOut, { force: true });
  const vitest = ['npx', 'vitest', 'run', '--project', suite, `--reporter=${reporter}`, '--reporter=json', `--outputFile.json=${jsonOut}`, ...args];
  const argv = suite === 'unit' ? vitest : [...NETNS_WRAP, ...vitest];
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { stdio, env: { ...process.env, BERTH_TEST_NETNS: '1' } });
    child.on('close', (code) => {
      let report = null;
      try {
        report = JSON.parse(readFileSync(jsonOut, 'utf8'));
      } catch {
        /* no report: counted as a crash by the caller */
      }
      resolve({ code, report, child });
    });
  });
}

// Each test's outcome in a vitest JSON report, plus a pseudo-test per file
// that failed with no failed test in it: it did not load, or a beforeAll/
// afterAll hook failed (vitest then reports its tests as skipped and counts
// no failure, so without this a broken hook would read as green).
export function outcomes(report) {
  const out = [];
  for (const f of report.testResults) {
    const file = f.name.replace(`${process.cwd()}/`, '');
    if (f.status === 'failed' && !f.assertionResults.some((a) => a.status === 'failed'))
      out.push({
        name: `${file} (${f.assertionResults.length ? 'a hook failed, its tests did not run' : 'file did not load'})`,
        status: 'failed',
        message: f.message || 'see the vitest output above',
      });
    for (const a of f.assertionResults)
      out.push({ name: [file, ...a.ancestorTitles, a.title].join(' > '), status: a.status, message: (a.failureMessages ?? []).join('\n') });
  }
  return out;
}
