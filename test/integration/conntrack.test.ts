import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Step } from './conntrack-driver';
import { bundleForHost, TestHost } from './harness';

// A flush of many filters (a `port rm` of a range: one a port) on the real
// kernel: one listing, then a `conntrack -D` for each filter that names an
// entry (engine/port-conntrack.ts flush, kernel/conntrack.ts
// filtersWithEntries). Exactly the entries they name go; the others stay.
describe('conntrack flushes, many at once', () => {
  let h: TestHost;
  let driver: string;
  beforeAll(async () => {
    driver = await bundleForHost('test/integration/conntrack-driver.ts');
    h = await TestHost.create();
  });
  afterAll(async () => h?.destroy());

  const entry = (proto: string, dst: string, dport: number, sport: number) =>
    h.shOk(['conntrack', '-I', '-p', proto, '-s', '10.9.0.9', '-d', dst, '--sport', String(sport), '--dport', String(dport), '--timeout', '300', ...(proto === 'tcp' ? ['--state', 'ESTABLISHED'] : [])]);
  const entries = async () =>
    (await h.shOk(['sh', '-c', 'conntrack -L 2>/dev/null || true'])).trim().split('\n').filter(Boolean)
      .map((l) => /^(\w+)\s.*?dst=(\S+) sport=\d+ dport=(\d+)/.exec(l)!.slice(1, 4).join(' ')).sort();

  it('deletes what each filter names, one port or one address, and nothing else', async () => {
    for (let p = 30000; p < 30004; p++) await entry('udp', '10.9.0.1', p, 40000 + p - 30000);
    await entry('tcp', '10.9.0.1', 30000, 41000);
    await entry('udp', '10.9.0.2', 30001, 42000);
    const filters: Step['flush'] = [
      { proto: 'udp', hostPort: 30000 },
      { proto: 'udp', hostPort: 30001, origDst: '10.9.0.1' },
      { proto: 'udp', hostPort: 30002, containerIp: '10.9.0.1' }, // the reply's source: no DNAT here, the destination itself
      { proto: 'udp', hostPort: 30003, containerIp: '10.9.0.7' }, // another container: stays
      // match nothing: no failure
      ...[30009, 30010, 30011, 30012, 30013].map((hostPort) => ({ proto: 'udp' as const, hostPort })),
      { proto: 'udp', hostPort: 30000, containerIp: 'fd00::2' }, // another family, listed too
    ];
    expect(await h.driveSteps<unknown>(driver, [{ flush: filters }])).toEqual(['ok']);
    expect(await entries()).toEqual(['tcp 10.9.0.1 30000', 'udp 10.9.0.1 30003', 'udp 10.9.0.2 30001']);
    // a few filters: a `conntrack -D` each, without a listing (its exit 1 on no match is an answer too)
    expect(await h.driveSteps<unknown>(driver, [{ flush: [{ proto: 'tcp', hostPort: 30000 }] }, { flush: [{ proto: 'tcp', hostPort: 30000 }] }])).toEqual(['ok', 'ok']);
    expect(await entries()).toEqual(['udp 10.9.0.1 30003', 'udp 10.9.0.2 30001']);
  });
});
