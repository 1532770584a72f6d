import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { httpGet, TestHost, waitFor } from './harness';

// Berth beside a real ufw (Debian's, enabled inside the test host, its
// /etc/ufw a private copy): ufw drops forwarded traffic by default ("routed
// disabled") and denies incoming. As with Docker, a published port is
// forwarded, not delivered to the host, so it reaches the container through
// ufw's FORWARD drop (docs/docker-behaviour.md); containers get out. ufw's own rules
// stay byte-identical whatever Berth does, and `ufw reload` / `ufw disable`
// + `enable` leave Berth's rules and traffic working.
const HOST = '198.51.100.1';

// Every rule line naming ufw, in both families, without counters
async function ufwLines(h: TestHost): Promise<string[]> {
  const out: string[] = [];
  for (const save of ['iptables-save', 'ip6tables-save'])
    out.push(...(await h.shOk([save])).split('\n').filter((l) => l.includes('ufw')).map((l) => l.replace(/\[\d+:\d+\]/, '')));
  return out;
}

// Berth's rule lines (its chains and its jumps), without counters
async function berthLines(h: TestHost): Promise<string[]> {
  return (await h.shOk(['iptables-save'])).split('\n').filter((l) => /BERTH|berth/.test(l)).map((l) => l.replace(/\[\d+:\d+\]/, ''));
}

describe('beside ufw', () => {
  let h: TestHost;
  let ufwBefore: string[];
  const outside = (argv: string[]) => h.sh(['ip', 'netns', 'exec', 'outside', ...argv]);
  const httpOutside = async (port: number) => (await outside(httpGet(`http://${HOST}:${port}/`, 1))).code === 0;
  // Berth's side: a network and a published web server (again after the test that removes everything:
  // the tests run in any order, test:repeat --shuffle)
  const berthUp = async () => {
    await h.berthOk(['network', 'create', '--subnet', '10.78.0.0/24', 'pub']);
    await h.berthOk(['run', '-d', '--name', 'web', '--network', 'pub', '-p', '8080:8000', '--', 'python3', '-m', 'http.server', '8000']);
    await waitFor(async () => (await h.inContainer('web', ['ss', '-Hltn', 'sport = :8000'])).stdout.trim() !== '', 60_000, 'web listening');
  };

  beforeAll(async () => {
    h = await TestHost.create();
    await h.addOutside();
    // ufw's configuration is the test's own copy; its sysctl file (applied on enable) is emptied:
    // its settings are per namespace, but nothing of ufw's should touch more than the test host
    const etc = join(h.dir, 'ufw-etc');
    await h.shOk(['cp', '-a', '/etc/ufw/.', `${etc}/`]);
    await h.shOk(['sh', '-c', `: > ${etc}/sysctl.conf`]);
    await h.shOk(['mount', '--bind', etc, '/etc/ufw']);
    // ufw's first enable in a fresh namespace lacks two ip6 lines its later enables write: its steady state is the reference
    for (const step of [['--force', 'enable'], ['disable'], ['--force', 'enable']]) await h.shOk(['ufw', ...step]);
    ufwBefore = await ufwLines(h);
    expect(ufwBefore.length).toBeGreaterThan(20);
    expect(await h.shOk(['iptables', '-S', 'FORWARD'])).toMatch(/^-P FORWARD DROP$/m);
    await h.startHelper(['--drift-interval', '1000']);
    await berthUp();
  }, 600_000);
  afterAll(async () => h?.destroy());

  it('publishes a port to the outside and lets containers out, through ufw\'s forward drop', async () => {
    expect(await waitFor(() => httpOutside(8080), 60_000, 'outside -> 8080')).toBe(true);
    expect(await h.pings('web', '198.51.100.2')).toBe(true);
  });

  it('leaves ufw\'s rules byte-identical', async () => {
    expect(await ufwLines(h)).toEqual(ufwBefore);
  });

  it('proposes nothing of ufw\'s in cleanup', async () => {
    const plan = JSON.parse(await h.berthOk(['cleanup', '--format', 'json']));
    const findings: { evidence: string[] }[] = Array.isArray(plan) ? plan : plan.findings;
    expect(findings.filter((f) => f.evidence.join(' ').includes('ufw'))).toEqual([]);
  });

  it('keeps working through ufw reload, and disable then enable', async () => {
    const mine = await berthLines(h);
    await h.shOk(['ufw', 'reload']);
    expect(await berthLines(h)).toEqual(mine);
    expect(await waitFor(() => httpOutside(8080), 60_000, 'traffic after ufw reload')).toBe(true);
    await h.shOk(['ufw', 'disable']);
    await h.shOk(['ufw', '--force', 'enable']);
    expect(await ufwLines(h)).toEqual(ufwBefore);
    expect(await berthLines(h)).toEqual(mine);
    expect(await waitFor(() => httpOutside(8080), 60_000, 'traffic after ufw disable + enable')).toBe(true);
    expect(await h.pings('web', '198.51.100.2')).toBe(true);
  });

  it('removing everything of Berth\'s leaves ufw as it was', async () => {
    onTestFinished(berthUp, 300_000);
    await h.clearBerth(['outside']); // the other tests' outside stays
    expect(await ufwLines(h)).toEqual(ufwBefore);
  });
});
