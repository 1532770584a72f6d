// Time to run a container with 1, 10 and 100 published ports, and to remove
// it, against a real helper in a throwaway host (bench/lib/host.mjs: the
// machine's own links and rules are never touched). The programs each
// operation starts are counted by engine.bench.mjs (S3, S3-500).
//
// Run as root, after building the helper:
//   node scripts/build-helper.mjs && sudo node bench/ports.bench.mjs
// Env: REPS (default 5) repetitions per size, SIZES (default "1,10,100").
import { createHost, importTs, median } from './lib/host.mjs';

const REPS = Number(process.env.REPS ?? 5);
const SIZES = (process.env.SIZES ?? '1,10,100').split(',').map(Number);

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
} finally {
  client?.close();
  await host.destroy();
}
