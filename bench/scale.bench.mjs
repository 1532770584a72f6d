// Inspection, cleanup, `berth nat ls`, helper memory and the cost of one
// mutation on a host with many foreign rules, against a real helper in a
// throwaway host (bench/lib/host.mjs: the machine's own network is never
// touched). Goals are in issue "Real hosts have tens of thousands of rules".
//
// Run as root, after building the helper:
//   node scripts/build-helper.mjs && sudo node bench/scale.bench.mjs
// Env: SIZES (default "10000,50000") foreign rules per host, REPS (default 5),
//      FOREIGN (default "0,10000") foreign-rule counts for the mutation cost.
import { spawn } from 'node:child_process';
import { BERTH, createHost, importTs, median, sleep } from './lib/host.mjs';

const SIZES = (process.env.SIZES ?? '10000,50000').split(',').map(Number);
const FOREIGN = (process.env.FOREIGN ?? '0,10000').split(',').map(Number);
const REPS = Number(process.env.REPS ?? 5);
const { connectHelper } = await importTs("export { connectHelper } from './helper/src/client/unix-client';");

const ms = (x) => `${x.toFixed(0)} ms`;
const time = async (f) => {
  const t = performance.now();
  const r = await f();
  return [performance.now() - t, r];
};
async function timed(reps, f) {
  const xs = [];
  let last;
  for (let i = 0; i < reps; i++) {
    const [t, r] = await time(f);
    xs.push(t);
    last = r;
  }
  return [median(xs), last];
}

// `berth nat ls` as a user runs it: total time and time to the first byte of output.
function natLs(socket, args) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let first = 0;
    let bytes = 0;
    const p = spawn(process.execPath, [BERTH, 'nat', 'ls', ...args], { env: { ...process.env, BERTH_SOCKET: socket }, stdio: ['ignore', 'pipe', 'inherit'] });
    p.stdout.on('data', (d) => {
      if (!first) first = performance.now() - t0;
      bytes += d.length;
    });
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve({ total: performance.now() - t0, first, bytes }) : reject(new Error(`nat ls exit ${code}`))));
  });
}

const report = [];
for (const n of SIZES) {
  const host = await createHost();
  let c;
  try {
    host.plant(n);
    c = await host.startHelper(connectHelper);
    const rssIdle = host.rssMb();
    const save = median(host.timeInside('iptables-save -c', REPS));
    const [inspect, h] = await timed(REPS, () => c.call('host.inspect', {}));
    const [plan, p] = await timed(REPS, () => c.call('cleanup.plan', {}));
    const [query] = await timed(REPS, () => c.call('nat.query', { limit: 200 }));
    const [search] = await timed(REPS, async () => {
      const first = await c.call('nat.query', { limit: 1 });
      const t = performance.now();
      await c.call('nat.query', { snapshot: first.snapshot, search: `svc-${n - 4}:`, limit: 200 });
      return performance.now() - t;
    }).then(async () => {
      // search alone, within one reading
      const first = await c.call('nat.query', { limit: 1 });
      return timed(REPS, () => c.call('nat.query', { snapshot: first.snapshot, search: `svc-${n - 4}:`, limit: 200 }));
    });
    const ls = {};
    for (const fmt of ['raw', 'json', 'table']) {
      const runs = [];
      for (let i = 0; i < REPS; i++) runs.push(await natLs(host.socket, ['--format', fmt]));
      ls[fmt] = { total: median(runs.map((r) => r.total)), first: median(runs.map((r) => r.first)), mb: runs[0].bytes / 1e6 };
    }
    const rssBusy = host.rssMb();
    c.close();
    await sleep(35_000); // the NAT readings expire after 30 s idle
    const rssAfter = host.rssMb();
    report.push({ n, rules: h.rules.length, findings: p.findings.length, save, inspect, plan, query, search, ls, rssIdle, rssBusy, rssAfter });
    console.log(`${n} rules: iptables-save -c ${ms(save)} | host.inspect ${ms(inspect)} (${(inspect / save).toFixed(1)}×) | cleanup.plan ${ms(plan)} (${(plan / save).toFixed(1)}×, ${p.findings.length} findings) | nat.query first page ${ms(query)} | search ${ms(search)}`);
    for (const [fmt, r] of Object.entries(ls))
      console.log(`  berth nat ls --format ${fmt}: ${ms(r.total)} (${(r.total / save).toFixed(1)}× iptables-save), first byte ${ms(r.first)}, ${r.mb.toFixed(1)} MB`);
    console.log(`  helper RSS: ${rssIdle.toFixed(0)} MB idle, ${rssBusy.toFixed(0)} MB after the above, ${rssAfter.toFixed(0)} MB 35 s after the client left`);
  } finally {
    c?.close();
    await host.destroy();
  }
}

// One mutation with and without foreign rules: network create + remove, container attach + detach.
for (const n of FOREIGN) {
  const host = await createHost();
  let c;
  try {
    if (n) host.plant(n);
    for (let i = 0; i < REPS; i++) host.sh(['ip', 'netns', 'add', `m${i}`]);
    c = await host.startHelper(connectHelper);
    await c.call('network.create', { name: 'warm', subnet: '10.199.0.0/24' });
    const create = [];
    const remove = [];
    const attach = [];
    const detach = [];
    for (let i = 0; i < REPS; i++) {
      create.push((await time(() => c.call('network.create', { name: `n${i}`, subnet: `10.${200 + i}.0.0/24` })))[0]);
      attach.push((await time(() => c.call('network.connect', { network: `n${i}`, target: { netns: `m${i}` } })))[0]);
      detach.push((await time(() => c.call('network.disconnect', { network: `n${i}`, target: { netns: `m${i}` }, force: false })))[0]);
      remove.push((await time(() => c.call('network.remove', { name: `n${i}` })))[0]);
    }
    console.log(`mutation with ${n} foreign rules: network create ${ms(median(create))}, attach ${ms(median(attach))}, detach ${ms(median(detach))}, network rm ${ms(median(remove))}`);
  } finally {
    c?.close();
    await host.destroy();
  }
}
