import { expect } from 'vitest';
import { connectHelper } from '../../helper/src/client/unix-client';
import type { TestHost } from './harness';

// Checks shared by the crash tests: after a SIGKILL and a restart, the store
// and the kernel agree (docs/decisions.md, State).

// After a kill armed at a step the operation may still be running (a kill in
// its background part): a reading either waits for it or fails because the helper died.
export async function settledOrDead(h: TestHost): Promise<void> {
  await h.settled().catch(() => {});
}

// Store and kernel agree: doctor finds nothing (a heal by its first call is
// allowed), cleanup proposes only Berth's own leftovers and removes them, and
// every veth on the host is an endpoint the store knows (containers' and bare
// namespaces' alike, counted per network). Over one connection (a CLI start
// per check made a kill point cost a minute under load). `ownNamespaces`: named
// namespaces the test made, which cleanup rightly reports as foreign and empty
// while nothing is attached to them. Returns what was found.
export async function consistent(h: TestHost, ownNamespaces: string[] = []): Promise<string[]> {
  const theTests = (f: { kind: string; commands: string[][] }) =>
    f.kind === 'netns-no-process' && ownNamespaces.some((n) => JSON.stringify(f.commands) === JSON.stringify([['ip', 'netns', 'delete', n]]));
  const c = await connectHelper(h.socket);
  try {
    const first = await c.call('doctor', {});
    const again = first.missing.length || first.extra.length ? await c.call('doctor', {}) : first;
    expect({ missing: again.missing, extra: again.extra }).toEqual({ missing: [], extra: [] });
    const plan = await c.call('cleanup.plan', { maxAgeMs: 0 });
    plan.findings = plan.findings.filter((f) => !theTests(f));
    expect(plan.findings.filter((f) => f.owner !== 'berth')).toEqual([]);
    if (plan.findings.length) await c.call('cleanup.apply', { includeForeign: false });
    expect((await c.call('cleanup.plan', { maxAgeMs: 0 })).findings.filter((f) => !theTests(f))).toEqual([]);
    let endpoints = 0;
    for (const n of await c.call('network.list', {})) endpoints += Object.keys(n.Containers ?? {}).length;
    const veths = (await h.shOk(['ip', '-br', 'link', 'show', 'type', 'veth'])).split('\n').filter(Boolean).length;
    expect(veths).toBe(endpoints);
    return [...first.missing, ...first.extra, ...plan.findings.map((f) => `${f.kind} ${f.evidence[0]}`)];
  } finally {
    c.close();
  }
}
