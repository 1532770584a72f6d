// Time to run a container with 1, 10 and 100 published ports, and to remove
// it, against a real helper in a throwaway host (bench/lib/host.mjs: the
// machine's own links and rules are never touched). The programs each
// operation starts are counted by engine.bench.mjs (S3, S3-500). Then one
// `port add` and `port rm` of a range of RANGES ports on a running container,
// with the time per port: it should not grow with the range (it did: 1,000
// ports 1.1 s, 5,000 ports 25 s, before the checks and the firewall model
// looked at each port's own peers only).
//
// Run as root, after building the helper:
//   node scripts/build-helper.mjs && sudo node bench/ports.bench.mjs
// Env: REPS (default 5) repetitions per size, SIZES (default "1,10,100"),
// RANGES (default "1000,5000"; 2 repetitions each).
import { createHost, importTs, median } from './lib/host.mjs';

const REPS = Number(process.env.REPS ?? 5);
const SIZES = (process.env.SIZES ?? '1,10,100').split(',').map(Number);
const RANGES = (process.env.RANGES ?? '1000,5000').split(',').filter(Boolean).map(Number);

const { connectHelper } = await importTs("export { connectHelper } from './helper/src/client/unix-client';");
const host = await createHost();
let client;
try {
  client = await host.startHelper(connectHelper);
  await client.call('network.create', { name: 'bench', subnet: '10.99.0.0/16' });

  const rows = [];
  for (const n of SIZES) {
    const runMs = [];
    const rmMs = [];
    for (let r = 0; r < REPS; r++) {
      const ports = Array.from({ length: n }, (_, i) => `${20000 + i}:${8000 + i}`);
      let t = performance.now();
      const ctr = await client.call('container.run', { name: `b${n}-${r}`, cmd: ['sleep', 'infinity'], network: 'bench', workdir: '/', ports });
      runMs.push(performance.now() - t);
      t = performance.now();
      await client.call('container.remove', { name: ctr.Id, force: true });
      rmMs.push(performance.now() - t);
    }
    rows.push([String(n), median(runMs).toFixed(1), median(rmMs).toFixed(1)]);
  }
  const head = ['ports', 'run median ms', 'rm -f median ms'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => c.padStart(w[i])).join('  ');
  console.log(`published ports: ${REPS} repetitions per size (each port also bound on [::] when the host has IPv6)`);
  console.log(line(head));
  for (const r of rows) console.log(line(r));

  if (RANGES.length) {
    await client.call('container.run', { name: 'live', cmd: ['sleep', 'infinity'], network: 'bench', workdir: '/', ports: [] });
    console.log(`\nport add / port rm of one range value on a running container (2 repetitions, medians)`);
    const ranged = [];
    for (const n of RANGES) {
      const spec = `30000-${30000 + n - 1}:30000-${30000 + n - 1}`;
      const addMs = [];
      const rmMs = [];
      for (let r = 0; r < 2; r++) {
        let t = performance.now();
        await client.call('port.add', { container: 'live', spec });
        addMs.push(performance.now() - t);
        if (process.env.BENCH_VERBOSE) console.log(`  add ${n}: ${addMs.at(-1).toFixed(0)} ms`);
        t = performance.now();
        await client.call('port.remove', { container: 'live', spec });
        rmMs.push(performance.now() - t);
      }
      const us = (ms) => ((ms * 1000) / n).toFixed(0);
      ranged.push([String(n), median(addMs).toFixed(0), us(median(addMs)), median(rmMs).toFixed(0), us(median(rmMs))]);
    }
    const head2 = ['ports', 'port add ms', 'µs a port', 'port rm ms', 'µs a port'];
    const w2 = head2.map((h, i) => Math.max(h.length, ...ranged.map((r) => r[i].length)));
    for (const r of [head2, ...ranged]) console.log(r.map((c, i) => c.padStart(w2[i])).join('  '));
  }
} finally {
  client?.close();
  await host.destroy();
}
