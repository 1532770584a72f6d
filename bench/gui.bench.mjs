// The NAT rules and Cleanup views in Chromium (web mode, playwright-core and
// Debian's /usr/bin/chromium) against a real helper in a throwaway host with
// many foreign rules (bench/lib/host.mjs). Measures what a user waits for:
// NAT first rows after navigation, scroll frames, search; Cleanup findings
// on screen, select-all. Timings live here, never in tests.
//
// Run as root, after building: npm install (or node scripts/build-helper.mjs &&
//   npx electron-vite build), then: sudo node bench/gui.bench.mjs
// Env: NAT_RULES (default 10000), CLEANUP_RULES (default 25000: 5,000 findings); 0 skips that view;
//      DWELL_MS (default 3000): how long after the app connected Cleanup is opened the second time;
//      BENCH_RENDERER: another build's out/renderer (a copy made before a change), to compare both
//      on the same machine in the same window; SHOTS: a folder for screenshots of both views (to look at).
import { chromium } from 'playwright-core';
import path from 'node:path';
import { createHost, importTs, median, p95, root, sleep } from './lib/host.mjs';

const NAT_RULES = Number(process.env.NAT_RULES ?? 10000);
const CLEANUP_RULES = Number(process.env.CLEANUP_RULES ?? 25000);
const DWELL_MS = Number(process.env.DWELL_MS ?? 3000);
const { connectHelper, startWebUi } = await importTs(
  "export { connectHelper } from './helper/src/client/unix-client'; export { startWebUi } from './helper/src/webui/server';",
);
const ms = (x) => `${x.toFixed(0)} ms`;
const RENDERER = process.env.BENCH_RENDERER || path.join(root, 'out/renderer');
const launch = () => chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--headless', '--disable-gpu', '--no-first-run'] });
const VIEWPORT = { width: 1440, height: 900 };
const shot = (page, name) => process.env.SHOTS && page.screenshot({ path: path.join(process.env.SHOTS, `${name}.png`) });

async function withGui(rules, f) {
  const host = await createHost();
  let c;
  let ui;
  let browser;
  try {
    host.plant(rules);
    c = await host.startHelper(connectHelper);
    ui = await startWebUi({ socketPath: host.socket, rendererDir: RENDERER });
    browser = await launch();
    const page = await (await browser.newContext({ viewport: VIEWPORT })).newPage();
    await page.addInitScript(recorder);
    await page.goto(ui.url);
    await page.getByText('Helper connected').waitFor({ timeout: 30_000 });
    const rss0 = host.rssMb();
    await f(page, host, c);
    const rss1 = host.rssMb();
    const peak = host.rssPeakMb();
    await browser.close();
    browser = null;
    await sleep(35_000);
    console.log(`  helper RSS: ${rss0.toFixed(0)} MB before the view, ${rss1.toFixed(0)} MB after (peak ${peak.toFixed(0)} MB), ${host.rssMb().toFixed(0)} MB 35 s after the GUI closed`);
  } finally {
    await browser?.close();
    await ui?.close();
    c?.close();
    await host.destroy();
  }
}

// In the page, from its start: when each call left it and its answer came in (web mode's
// WebSocket, in the page's clock), and when a view's first element was in the DOM and drawn. Read
// there, not from Chromium's network events: those carry every frame's payload to the bench (the
// cleanup plan's megabytes, as the view waits) and come as late as the bench's own event loop
// (which also runs the web server) gets to them; under load they came hundreds of ms after the page
// had the answer, so "shown after the answer" held time the page never waited.
const recorder = () => {
  const calls = new Map();
  const b = (window.__bench = { calls, marks: {}, seen: {} });
  const Ws = window.WebSocket;
  window.WebSocket = class extends Ws {
    constructor(...a) {
      super(...a);
      this.addEventListener('message', (ev) => {
        const m = /^\{"jsonrpc":"2\.0","id":(\d+),/.exec(String(ev.data).slice(0, 60));
        const call = m && calls.get(Number(m[1]));
        if (call && !call.answered) Object.assign(call, { answered: performance.now(), bytes: String(ev.data).length });
      });
    }
    send(d) {
      const m = /"id":(\d+),"method":"([\w.]+)"/.exec(String(d).slice(0, 200));
      if (m) calls.set(Number(m[1]), { method: m[2], sent: performance.now() });
      return super.send(d);
    }
  };
  b.mark = (name) => (b.marks[name] = performance.now());
  // the click as the page got it (the bench's click first waits for the element to be stable and hit)
  document.addEventListener('pointerdown', () => { if (b.marks.nav && !(b.marks.click > b.marks.nav)) b.mark('click'); }, { capture: true });
  // when `selector` is first in the DOM, and the frame after (drawn)
  b.watch = (selector) => {
    const o = new MutationObserver(() => {
      if (!document.querySelector(selector)) return;
      o.disconnect();
      const seen = (b.seen[selector] = { at: performance.now() });
      requestAnimationFrame(() => setTimeout(() => (seen.drawn = performance.now())));
    });
    o.observe(document, { subtree: true, childList: true });
  };
};

// A view's wait split by the call of `method` whose answer it showed (the last answered before
// `selector` was in the DOM), in the page's clock from navigation (marked just before the click): the
// page's work before the call, the helper's answer (with the web server between), the page's work
// after it until `selector` was in the DOM and the frame after it. A call the app made before
// navigation (a prefetch) is "asked … before navigation".
async function callSplit(page, method, selector) {
  const { of, nav, click, seen } = await page.evaluate(async ([method, selector]) => {
    const b = window.__bench;
    // the frame after the element (drawn) may still be ahead: up to 2 s for it
    for (let i = 0; i < 40 && b.seen[selector] && !b.seen[selector].drawn; i++) await new Promise((r) => setTimeout(r, 50));
    return { of: [...b.calls.values()].filter((x) => x.method === method), nav: b.marks.nav, click: b.marks.click, seen: b.seen[selector] };
  }, [method, selector]);
  const shown = seen?.at ?? Infinity;
  // the answer the view showed: the last one in before it (Cleanup asks its plan again right as it
  // shows one read before the page started, and that ask leaves before the view's element is seen)
  const asked = of.filter((x) => x.answered <= shown).sort((a, b) => a.answered - b.answered).at(-1);
  const when = asked && (asked.sent >= nav ? `${ms(asked.sent - nav)} after` : `${ms(nav - asked.sent)} before`);
  const asks = of.filter((x) => x.sent >= nav).length;
  if (!seen) return `${selector} not seen after navigation`;
  return asked?.answered
    ? `in the page: click to drawn ${ms(seen.drawn - click)}, ${method} asked ${when} navigation, answered ${ms(asked.answered - asked.sent)} later (${(asked.bytes / 1e6).toFixed(1)} MB), in the DOM ${ms(shown - Math.max(nav, asked.answered))} after the answer, drawn ${ms(seen.drawn - Math.max(nav, asked.answered))} after it; ${asks} ${method} asks since navigation`
    : `${method} not seen`;
}

// Until every call the page made so far has its answer: the app asks for the cleanup plan when
// the helper connects, and on a loaded 2-core machine the helper can still be reading it when
// the NAT view shows; scroll frames taken meanwhile measure that contention, not the view.
async function settled(page) {
  const t = performance.now();
  const open = () => page.evaluate(() => [...window.__bench.calls.values()].some((x) => !x.answered));
  while ((await open()) && performance.now() - t < 120_000) await sleep(50);
  return performance.now() - t;
}

// Navigation: marked in the page (callSplit's zero), then clicked; `watch` is the view's first element.
const go = async (page, view, watch) => {
  await page.evaluate((sel) => { window.__bench.watch(sel); window.__bench.mark('nav'); }, watch);
  const t = performance.now();
  await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: new RegExp(`^${view}`) }).click();
  return t;
};

// Frames while scrolling: 40 steps of 600 px, one per animation frame (the scroll event of a step
// comes in the next frame, ahead of its animation-frame callbacks). A step's frame = from the
// timestamp of that frame to the next frame's (the begin time Chromium gives requestAnimationFrame's
// callbacks: a vsync, so one vsync, 16.7 ms, when the frame's work fit in it, else a multiple), read
// in whole vsyncs (the timestamps jitter by ~0.1 ms). Not performance.now() in the callbacks: when
// a callback runs after its vsync waits on the thread and on the machine (a loaded 2-core machine
// delays it by a few ms either way), and that wall time spread an empty page's frames to p95 20 ms
// when none missed a vsync. Its work = main-thread time from the scroll event of that frame
// (a capture listener on the document, ahead of the page's own) until the first task after the frame
// was drawn (a message posted from the animation-frame callback): script, style, layout and paint of
// that frame, without the wait for vsync that makes the frame interval's floor.
// Beside them, Chromium's own totals over the 40 steps (CDP Performance.getMetrics): script, layout
// and style time, the share to compare between two builds on a loaded machine.
// Then the same 40 steps again under Chromium's tracing, for the renderer main thread's CPU time per
// step (the trace's thread time, tdur: what a loaded machine's waits for a core do not inflate; the
// frame interval and the work above do include them): every task the thread ran from one step's
// scroll to the next, split into style, layout and paint (the rest is script and React).
const scrollFrames = async (scroller) => {
  const page = scroller.page();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const metrics = async () => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
  const m0 = await metrics();
  const out = await stepFrames(scroller);
  const m1 = await metrics();
  const d = (k) => ms((m1[k] - m0[k]) * 1000);
  out.totals = `Chromium's totals over the steps: script ${d('ScriptDuration')}, layout ${d('LayoutDuration')} (${m1.LayoutCount - m0.LayoutCount} layouts), style ${d('RecalcStyleDuration')}`;
  await scroller.evaluate((el) => { el.scrollTop = 0; });
  out.cpu = await tracedSteps(cdp, scroller);
  await cdp.detach();
  return out;
};
const tracedSteps = async (cdp, scroller) => {
  const events = [];
  cdp.on('Tracing.dataCollected', ({ value }) => events.push(...value));
  const complete = new Promise((r) => cdp.once('Tracing.tracingComplete', r));
  await cdp.send('Tracing.start', { traceConfig: { includedCategories: ['toplevel', 'devtools.timeline', 'blink.user_timing'] }, transferMode: 'ReportEvents' });
  await stepFrames(scroller, true);
  await cdp.send('Tracing.end');
  await complete;
  const marks = events.filter((e) => e.name === 'bench-step').map((e) => e.ts).sort((a, b) => a - b);
  const main = events.find((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain' && events.some((m) => m.name === 'bench-step' && m.pid === e.pid));
  const on = events.filter((e) => e.ph === 'X' && e.pid === main?.pid && e.tid === main?.tid && e.tdur !== undefined);
  const tasks = on.filter((e) => e.name === 'ThreadControllerImpl::RunTask' || e.name === 'RunTask');
  const of = (names) => on.filter((e) => names.includes(e.name));
  const kinds = { style: of(['UpdateLayoutTree', 'ParseAuthorStyleSheet']), layout: of(['Layout']), paint: of(['PrePaint', 'Paint', 'Layerize', 'Commit', 'UpdateLayer']) };
  const steps = [];
  for (let i = 0; i + 1 < marks.length; i++) {
    const sum = (xs) => xs.filter((e) => e.ts >= marks[i] && e.ts < marks[i + 1]).reduce((a, e) => a + e.tdur, 0) / 1000;
    steps.push({ all: sum(tasks), style: sum(kinds.style), layout: sum(kinds.layout), paint: sum(kinds.paint) });
  }
  return steps;
};
const cpuText = (steps) => {
  const q = (k) => `${median(steps.map((s) => s[k])).toFixed(1)}/${p95(steps.map((s) => s[k])).toFixed(1)} ms`;
  return `main-thread CPU per step p50/p95 ${q('all')} (style ${q('style')}, layout ${q('layout')}, paint ${q('paint')})`;
};
const stepFrames = (scroller, marked = false) =>
  scroller.evaluate(async (el, marked) => {
    const frames = [];
    const work = [];
    let last = await new Promise((r) => requestAnimationFrame(r));
    let scrolled = 0;
    const onScroll = () => { scrolled ||= performance.now(); };
    document.addEventListener('scroll', onScroll, { capture: true });
    const done = [];
    let waiting = 0; // steps whose rows in the DOM included a placeholder (its page not there yet)
    for (let i = 1; i <= 40; i++) {
      if (marked) performance.mark('bench-step');
      scrolled = 0;
      el.scrollTop += 600;
      await new Promise((r) => requestAnimationFrame((at) => {
        if (i > 1) frames.push(at - last); // the frame of the step before
        last = at;
        const from = scrolled || performance.now();
        const ch = new MessageChannel();
        done.push(new Promise((ok) => { ch.port1.onmessage = () => { work.push(performance.now() - from); ok(); }; }));
        ch.port2.postMessage(0);
        if (el.querySelector('.row-loading')) waiting++;
        r();
      }));
    }
    frames.push((await new Promise((r) => requestAnimationFrame(r))) - last); // the last step's frame
    await Promise.all(done);
    document.removeEventListener('scroll', onScroll, { capture: true });
    if (marked) performance.mark('bench-step');
    return { frames, work, waiting };
  }, marked);
// A frame interval in whole vsyncs (see above; headless Chromium draws at 60 Hz)
const VSYNC = 1000 / 60;
const vsyncs = (x) => Math.max(1, Math.round(x / VSYNC));
const frameMs = (x) => `${(vsyncs(x) * VSYNC).toFixed(1)} ms`;
const frameText = ({ frames, work, waiting, totals, cpu }) => `frame p50 ${frameMs(median(frames))}, p95 ${frameMs(p95(frames))} (${frames.filter((x) => vsyncs(x) > 1).length} of 40 frames missed a vsync); work per frame p50 ${ms(median(work))}, p95 ${ms(p95(work))}; ${totals}; traced: ${cpuText(cpu)}; ${waiting} of 40 steps had a placeholder row (its page not yet there) in the DOM`;

// The floor of that measure in this browser (headless, --disable-gpu): a trivial page scrolled the
// same way. Frames cannot be shorter than its interval; read the views' numbers beside it.
{
  const browser = await launch();
  try {
    const page = await (await browser.newContext({ viewport: VIEWPORT })).newPage();
    await page.setContent('<div id="s" style="height:800px;overflow:auto"><div style="height:400000px"></div></div>');
    console.log(`Floor (a trivial page scrolled the same way): ${frameText(await scrollFrames(page.locator('#s')))}`);
  } finally {
    await browser.close();
  }
}

if (NAT_RULES) await withGui(NAT_RULES, async (page, host) => {
  const cpu0 = host.cpuMs();
  const t = await go(page, 'Firewall rules', '[data-rule-id]');
  await page.locator('[data-rule-id]').first().waitFor({ timeout: 60_000 });
  const firstRows = performance.now() - t;
  const firstCpu = host.cpuMs() - cpu0;
  const split = await callSplit(page, 'nat.query', '[data-rule-id]');
  const scroller = page.getByTestId('nat-scroll');
  const waited = await settled(page);
  await shot(page, 'nat-first-rows');
  const frames = frameText(await scrollFrames(scroller));
  await shot(page, 'nat-scrolled');
  const rowsInDom = await page.locator('[data-rule-id], .row-loading').count();
  const searches = [];
  // Kubernetes service rules are every 5th from 1 (bench/lib/host.mjs): each query matches one rule
  for (const q of [`svc-${NAT_RULES - 4}:`, `svc-${Math.floor(NAT_RULES / 10) * 5 + 1}:`, 'svc-6:']) {
    const t0 = performance.now();
    await page.getByRole('searchbox', { name: 'Search rules' }).fill(q);
    await page.locator('.toolbar-count', { hasText: /^1 of / }).waitFor();
    await page.locator('[data-rule-id]', { hasText: q }).waitFor();
    searches.push(performance.now() - t0);
  }
  await shot(page, 'nat-searched');
  console.log(`Firewall rules (NAT) view, ${NAT_RULES} rules: first rows ${ms(firstRows)} after navigation (helper CPU meanwhile ${ms(firstCpu)}; ${split}) | scrolling: ${frames} (${rowsInDom} rows in the DOM; scrolled once the app's calls were answered, ${ms(waited)} after first rows) | search (typed to row shown, the input's debounce included) median ${ms(median(searches))}`);
});

if (CLEANUP_RULES) await withGui(CLEANUP_RULES, async (page, host, c) => {
  // the helper's CPU from the click until the findings show: a plan it read ahead at its start
  // and kept (docs/decisions.md, "Cleanup") answers without a reading of its own
  const cpuClick = host.cpuMs();
  const t = await go(page, 'Cleanup', 'li.finding');
  await page.locator('li.finding').first().waitFor({ timeout: 120_000 });
  const shown = performance.now() - t;
  const shownCpu = host.cpuMs() - cpuClick;
  const split = await callSplit(page, 'cleanup.plan', 'li.finding');
  const summary = (await page.locator('.cleanup-summary').textContent()) ?? '';
  const cards = await page.locator('li.finding').count();
  const all = page.getByRole('checkbox', { name: /^Select all/ }).first();
  const t1 = performance.now();
  await all.click();
  await page.locator('.cleanup-picked', { hasText: /foreign/ }).waitFor();
  const selectAll = performance.now() - t1;
  const waited = await settled(page);
  await shot(page, 'cleanup-selected');
  const frames = frameText(await scrollFrames(page.getByTestId('cleanup-scroll')));
  await shot(page, 'cleanup-scrolled');
  // the helper's share of "findings shown", in the same run: the plan alone over the bench's connection
  const t2 = performance.now();
  const cpu0 = host.cpuMs();
  await c.call('cleanup.plan', {});
  const plan = performance.now() - t2;
  const planCpu = host.cpuMs() - cpu0;
  console.log(`Cleanup view, ${CLEANUP_RULES} rules: findings shown ${ms(shown)} after navigation (helper CPU meanwhile ${ms(shownCpu)}; ${summary.match(/[\d,]+ findings?/)?.[0]}; ${cards} cards in the DOM; ${split}; cleanup.plan alone ${ms(plan)}, helper CPU ${ms(planCpu)}) | select-all of a group ${ms(selectAll)} | scrolling: ${frames} (once the app's calls were answered, ${ms(waited)} after select-all)`);
  // A user who reads the first view a moment before opening Cleanup: the app asked for the
  // plan when the helper connected (docs/decisions.md, "Cleanup"), so the view finds it read
  // without the view in the address (#cleanup), which the app opens at start: the click would land
  // on findings already shown
  await page.evaluate(() => history.replaceState(null, '', location.pathname + location.search));
  await page.reload();
  await page.getByText('Helper connected').waitFor({ timeout: 30_000 });
  await sleep(DWELL_MS);
  const t3 = await go(page, 'Cleanup', 'li.finding');
  await page.locator('li.finding').first().waitFor({ timeout: 120_000 });
  const shown3 = performance.now() - t3;
  console.log(`  Cleanup opened ${ms(DWELL_MS)} after the app connected: findings shown ${ms(shown3)} after navigation (${await callSplit(page, 'cleanup.plan', 'li.finding')})`);
});
