// Inspection, cleanup, `berth nat ls`, helper memory and the cost of one
// mutation on a host with many foreign rules, against a real helper in a
// throwaway host (bench/lib/host.mjs: the machine's own network is never
// touched). Goals are in issue "Real hosts have tens of thousands of rules".
//
// Run as root, after building the helper:
//   node scripts/build-helper.mjs && sudo node bench/scale.bench.mjs
// Env: SIZES (default "10000,50000") foreign rules per host, REPS (default 5),
//      FOREIGN (default "0,10000") foreign-rule counts for the mutation cost,
//      IDLE_REPS (default 3) table listings on the helper left idle 35 s (36 s each).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BERTH, createHost, importTs, median, root, sleep } from './lib/host.mjs';

const list = (v) => v.split(',').filter((x) => x !== '').map(Number); // "SIZES=" skips that part
const SIZES = list(process.env.SIZES ?? '10000,50000');
const FOREIGN = list(process.env.FOREIGN ?? '0,10000');
const REPS = Number(process.env.REPS ?? 5);
// One listing on an idle helper moved ±25 % from run to run (with its one iptables-save): its median of three
const IDLE_REPS = Math.max(1, Number(process.env.IDLE_REPS ?? 3));
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

// The helper reads a cleanup plan ahead when it starts (so the app's Cleanup view has one at once):
// the timed calls start once its CPU stands still, or that reading's cost lands in the first call's
// column (host.inspect's, which then looked dearer and cleanup.plan cheaper than they are).
async function quiet(host, stepMs = 500, maxMs = 20_000) {
  const end = performance.now() + maxMs;
  let last = host.cpuMs();
  while (performance.now() < end) {
    await sleep(stepMs);
    const now = host.cpuMs();
    if (now - last <= 10) return; // /proc's CPU time moves in 10 ms ticks
    last = now;
  }
  console.log(`the helper was still busy ${maxMs / 1000} s after it started: timing anyway`);
}

// `berth nat ls` as a user runs it, through bin/berth (which drops NODE_EXTRA_CA_CERTS: Node reads
// that file at every start; BENCH_BERTH's build is run the same way): total time and time to the
// first byte of output.
const CLI = process.env.BENCH_BERTH ? [process.execPath, BERTH] : [path.join(root, 'bin/berth')];
// The CLI's V8 code cache goes to a directory of this run, removed at exit: as root, bin/berth would
// otherwise leave one in root's own ~/.cache/berth (docs/architecture.md, "The CLI start").
const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-scale-cli-'));
process.on('exit', () => fs.rmSync(cacheDir, { recursive: true, force: true }));
const cliEnv = { ...process.env, XDG_CACHE_HOME: cacheDir };
delete cliEnv.NODE_EXTRA_CA_CERTS;
function natLs(socket, args) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let first = 0;
    let bytes = 0;
    const p = spawn(CLI[0], [...CLI.slice(1), 'nat', 'ls', ...args], { env: { ...cliEnv, BERTH_SOCKET: socket }, stdio: ['ignore', 'pipe', 'inherit'] });
    p.stdout.on('data', (d) => {
      if (!first) first = performance.now() - t0;
      bytes += d.length;
    });
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve({ total: performance.now() - t0, first, bytes }) : reject(new Error(`nat ls exit ${code}`))));
  });
}

// The floor of any CLI command on this machine now: a Node start, as bin/berth starts it
const nodeStart = [];
for (let i = 0; i < 5; i++) {
  const t = performance.now();
  await new Promise((resolve) => spawn(process.execPath, ['-e', '0'], { env: cliEnv, stdio: 'ignore' }).on('exit', resolve));
  nodeStart.push(performance.now() - t);
}
console.log(`NODE_EXTRA_CA_CERTS ${process.env.NODE_EXTRA_CA_CERTS ? 'is set here (bin/berth drops it)' : 'is not set'}; node -e 0 without it: ${ms(median(nodeStart))} (median of 5)`);

const report = [];
for (const n of SIZES) {
  const host = await createHost();
  let c;
  try {
    host.plant(n);
    c = await host.startHelper(connectHelper);
    const rssIdle = host.rssMb();
    await quiet(host);
    // the helper's start: its modules, and its cleanup plan read ahead, the first (cold) reading
    const cpuStarted = host.cpuMs(); // all it used since it started
    // Each repetition times iptables-save right before the helper's calls, and the ratios are
    // taken per repetition: on a shared machine the load moves between repetitions, not within one.
    // The helper's own CPU time per call (from /proc) does not move with the load as much.
    // A reading starts from the one before it (helper/src/inspect/rule-memo.ts): a line seen
    // then is not parsed again and an unchanged rule is answered as before. So each kind of
    // reading is timed on its own: warm (the rules as the last reading saw them, as in a
    // GUI's re-reading), ~1 % of lines changed (a kube-proxy sync), every counter changed, and
    // cold (every line changed since the last reading: nothing reused, as the helper's first).
    // The ruleset is changed before each timed call, outside its time.
    const kinds = {
      warm: () => {},
      '1 % changed': (k) => host.plant(n, { changedEvery: 100, variant: k }),
      counters: (k) => host.plant(n, { counters: k }),
      cold: (k) => host.plant(n, { changedEvery: 1, variant: k }),
    };
    const runs = {};
    let h, p, k = 0;
    for (const [kind, change] of Object.entries(kinds)) {
      const m = (runs[kind] = { save: [], inspect: [], plan: [], query: [], cpuInspect: [], cpuPlan: [], cpuQuery: [], rInspect: [], rPlan: [], rQuery: [] });
      for (let i = 0; i < REPS; i++) {
        const save = host.timeInside('iptables-save -c', 1)[0];
        const call = async (method, params, key) => {
          change(++k);
          const c0 = host.cpuMs();
          const [t, r] = await time(() => c.call(method, params));
          m[key].push(t);
          m[`cpu${key[0].toUpperCase()}${key.slice(1)}`].push(host.cpuMs() - c0);
          m[`r${key[0].toUpperCase()}${key.slice(1)}`].push(t / save);
          return r;
        };
        m.save.push(save);
        h = await call('host.inspect', {}, 'inspect');
        p = await call('cleanup.plan', {}, 'plan');
        if (kind === 'warm') await call('nat.query', { limit: 200 }, 'query');
      }
    }
    host.plant(n); // the ruleset the rest reads
    // search alone, within one reading
    const first = await c.call('nat.query', { limit: 1 });
    const [search] = await timed(REPS, () => c.call('nat.query', { snapshot: first.snapshot, search: `svc-${n - 4}:`, limit: 200 }));
    // Each format's first listing apart from the ones after it: the first builds that format's
    // rows (helper/src/inspect/nat-rows.ts) and is where V8 compiles the listing's code (the
    // helper's CPU time counts its compiler threads), as a user's single `berth nat ls` is;
    // the REPS - 1 after it, their median, are a format listed again (a script, `watch`). No
    // listing is left out of either line, and there are REPS of a format as before (the RSS
    // peak is set by these listings: docs/architecture.md "Helper memory").
    const lsRun = async (fmt) => {
      const save = host.timeInside('iptables-save -c', 1)[0]; // each run beside an iptables-save of its own
      const c0 = host.cpuMs();
      const r = await natLs(host.socket, ['--format', fmt]);
      return { ...r, ratio: r.total / save, cpu: host.cpuMs() - c0 };
    };
    const ls = {};
    for (const fmt of ['raw', 'json', 'table']) {
      const first = await lsRun(fmt);
      const runs = [];
      for (let i = 1; i < REPS; i++) runs.push(await lsRun(fmt));
      const med = (k) => median(runs.map((r) => r[k]));
      ls[fmt] = { first, then: { total: med('total'), first: med('first'), ratio: med('ratio'), cpu: med('cpu') }, mb: first.bytes / 1e6 };
    }
    const rssBusy = host.rssMb();
    const rssPeak = host.rssPeakMb();
    c.close();
    await sleep(35_000); // the NAT readings expire after 30 s idle
    const rssAfter = host.rssMb();
    // a user's single `berth nat ls` on a helper left idle (its last readings and rows dropped: read cold),
    // IDLE_REPS times, each after the helper was left idle again
    const idles = [await lsRun('table')];
    while (idles.length < IDLE_REPS) {
      await sleep(35_000);
      idles.push(await lsRun('table'));
    }
    const byRatio = [...idles].sort((a, b) => a.ratio - b.ratio);
    const idle = byRatio[Math.floor(byRatio.length / 2)];
    report.push({ n, rules: h.rules.length, findings: p.findings.length, runs, search, ls, idle, idles, rssIdle, rssBusy, rssPeak, rssAfter, cpuStarted });
    const x = (r) => `${median(r).toFixed(1)}×`;
    console.log(`${n} rules (${h.rules.length} read, ${p.findings.length} findings), medians of ${REPS}; × = ÷ the iptables-save -c of the same repetition:`);
    console.log(`  helper start to still (its modules and the cleanup plan it reads ahead: the first, cold reading): CPU ${ms(cpuStarted)}`);
    const w = runs.warm;
    console.log(`  warm (rules unchanged since the last reading): iptables-save -c ${ms(median(w.save))} | host.inspect ${ms(median(w.inspect))} (${x(w.rInspect)}, helper CPU ${ms(median(w.cpuInspect))}) | cleanup.plan ${ms(median(w.plan))} (${x(w.rPlan)}, CPU ${ms(median(w.cpuPlan))}) | nat.query first page ${ms(median(w.query))} (${x(w.rQuery)}, CPU ${ms(median(w.cpuQuery))}) | search ${ms(search)}`);
    const labels = { '1 % changed': 'warm, ~1 % of rule lines changed before each call', counters: 'warm, every counter changed before each call', cold: 'cold (every rule line changed before each call: nothing reused)' };
    for (const [kind, label] of Object.entries(labels)) {
      const r = runs[kind];
      console.log(`  ${label}: iptables-save -c ${ms(median(r.save))} | host.inspect ${ms(median(r.inspect))} (${x(r.rInspect)}, helper CPU ${ms(median(r.cpuInspect))}) | cleanup.plan ${ms(median(r.plan))} (${x(r.rPlan)}, CPU ${ms(median(r.cpuPlan))})`);
    }
    const lsLine = (r) => `${ms(r.total)} (${r.ratio.toFixed(1)}× iptables-save), first byte ${ms(r.first)}, helper CPU ${ms(r.cpu)}`;
    for (const [fmt, r] of Object.entries(ls)) {
      console.log(`  berth nat ls --format ${fmt} (${r.mb.toFixed(1)} MB), its first listing: ${lsLine(r.first)}`);
      console.log(`  berth nat ls --format ${fmt}, the ${REPS - 1} after it (medians): ${lsLine(r.then)}`);
    }
    console.log(`  berth nat ls (table) on the helper idle 35 s (its readings and rows dropped), after the RSS below, median of ${idles.length} by ratio: ${lsLine(idle)}${idles.length > 1 ? ` (each: ${idles.map((r) => `${ms(r.total)} ${r.ratio.toFixed(1)}×`).join(', ')})` : ''}`);
    console.log(`  helper RSS: ${rssIdle.toFixed(0)} MB idle, ${rssBusy.toFixed(0)} MB after the above (peak ${rssPeak.toFixed(0)} MB), ${rssAfter.toFixed(0)} MB 35 s after the client left`);
  } finally {
    c?.close();
    await host.destroy();
  }
}

// One mutation with and without foreign rules: network create + remove, container attach + detach.
// One host per foreign-rule count, all up at once, and each repetition runs on every host in
// turn: the machine's load (shared, it moves by the minute) falls on each count alike.
const hosts = [];
try {
  for (const n of FOREIGN) {
    const host = await createHost();
    hosts.push({ n, host, create: [], attach: [], detach: [], remove: [], cpu: [] });
    if (n) host.plant(n);
    for (let i = 0; i < REPS; i++) host.sh(['ip', 'netns', 'add', `m${i}`]);
    const c = await host.startHelper(connectHelper);
    hosts.at(-1).c = c;
    await c.call('network.create', { name: 'warm', subnet: '10.199.0.0/24' });
  }
  for (let i = 0; i < REPS; i++) {
    for (const h of hosts) {
      const { c } = h;
      const cpu0 = h.host.cpuMs();
      h.create.push((await time(() => c.call('network.create', { name: `n${i}`, subnet: `10.${200 + i}.0.0/24` })))[0]);
      h.attach.push((await time(() => c.call('network.connect', { network: `n${i}`, target: { netns: `m${i}` } })))[0]);
      h.detach.push((await time(() => c.call('network.disconnect', { network: `n${i}`, target: { netns: `m${i}` }, force: false })))[0]);
      h.remove.push((await time(() => c.call('network.remove', { name: `n${i}` })))[0]);
      h.cpu.push(h.host.cpuMs() - cpu0);
    }
  }
  for (const h of hosts)
    console.log(`mutation with ${h.n} foreign rules: network create ${ms(median(h.create))}, attach ${ms(median(h.attach))}, detach ${ms(median(h.detach))}, network rm ${ms(median(h.remove))}; helper CPU for the four ${ms(median(h.cpu))}`);
} finally {
  for (const h of hosts) {
    h.c?.close();
    await h.host.destroy();
  }
}
