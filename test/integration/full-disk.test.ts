import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hostPerTest, type TestHost, waitFor } from './harness';

// The data root fills while a mutation runs: the store's commit fails, the
// operation is undone (or, for what cannot be undone, completes), the client
// gets one clear line, and store and kernel agree once the disk has room
// again: no link, netns or rule without its record, no record without them
// (docs/decisions.md, "A full disk"). The detach's case, whose veth goes in
// the background, is full-disk-deferred.test.ts.
describe('a full disk during a mutation', () => {
  const host = hostPerTest(async (h) => {
    await h.shOk(['mkdir', '-p', h.dataRoot]);
    await h.shOk(['mount', '-t', 'tmpfs', '-o', 'size=8m,mode=0755', 'berth-full', h.dataRoot]);
    await h.startHelper(['--drift-interval', '600000']);
  });

  // runs `argv` with the data root full (dd fills it, then exits 1)
  const whenFull = async (h: TestHost, argv: string[]) => {
    const fill = join(h.dataRoot, 'fill');
    await h.sh(['dd', 'if=/dev/zero', `of=${fill}`, 'bs=64k']);
    try {
      return await h.berth(argv);
    } finally {
      await h.shOk(['rm', '-f', fill]);
    }
  };
  // refused with one line that says why
  const refused = (r: Awaited<ReturnType<TestHost['berth']>>) => {
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/no space|disk.*full/i);
  };
  // the kernel holds exactly what the store names: nothing missing or extra, nothing stale
  const consistent = async (h: TestHost) => {
    const d = JSON.parse(await h.berthOk(['doctor', '--format', 'json'])) as { missing: string[]; extra: string[] };
    expect({ missing: d.missing, extra: d.extra }).toEqual({ missing: [], extra: [] });
    expect((await h.berthOk(['cleanup'])).trim()).toBe('Nothing stale found.');
  };
  const names = async (h: TestHost, what: string[]) => (await h.berthOk([...what, '--format', what[0] === 'ps' ? '{{.Names}}' : '{{.Name}}'])).split('\n').filter(Boolean).sort();

  it('network create: undone, then works', async () => {
    const h = host();
    const baseline = await h.snapshot();
    const r = await whenFull(h, ['network', 'create', '--subnet', '10.99.6.0/24', 'fc']);
    refused(r);
    expect(await names(h, ['network', 'ls'])).not.toContain('fc');
    expect(await h.snapshot()).toEqual(baseline);
    await consistent(h);
    await h.berthOk(['network', 'create', '--subnet', '10.99.6.0/24', 'fc']);
    await consistent(h);
    await h.clearBerth();
    expect(await h.snapshot()).toEqual(baseline);
  });

  it('network connect of a running container: undone, then works', async () => {
    const h = host();
    const baseline = await h.snapshot();
    await h.berthOk(['network', 'create', '--subnet', '10.99.7.0/24', 'fa']);
    await h.berthOk(['network', 'create', '--subnet', '10.99.8.0/24', 'fb']);
    await h.berthOk(['run', '-d', '--name', 'c', '--network', 'fa', '-p', '9611:80', 'sleep', '600']);
    const before = await h.snapshot();
    refused(await whenFull(h, ['network', 'connect', 'fb', 'c']));
    expect(Object.keys((await h.inspect('c')).NetworkSettings.Networks)).toEqual(['fa']);
    expect(await h.snapshot()).toEqual(before);
    await consistent(h);
    await h.berthOk(['network', 'connect', 'fb', 'c']);
    expect(Object.keys((await h.inspect('c')).NetworkSettings.Networks).sort()).toEqual(['fa', 'fb']);
    await consistent(h);
    await h.clearBerth();
    expect(await h.snapshot()).toEqual(baseline);
  });

  it('port add and port rm: undone, then work', async () => {
    const h = host();
    const baseline = await h.snapshot();
    await h.berthOk(['network', 'create', '--subnet', '10.99.9.0/24', 'fp']);
    await h.berthOk(['run', '-d', '--name', 'p', '--network', 'fp', '-p', '9621:80', 'sleep', '600']);
    const before = await h.snapshot();
    refused(await whenFull(h, ['port', 'add', 'p', '9622:81']));
    expect(await h.berthOk(['port', 'p'])).not.toContain('9622');
    expect(await h.snapshot()).toEqual(before);
    await consistent(h);
    refused(await whenFull(h, ['port', 'rm', 'p', '80']));
    expect(await h.berthOk(['port', 'p'])).toContain('9621');
    expect(await h.snapshot()).toEqual(before);
    await consistent(h);
    await h.berthOk(['port', 'add', 'p', '9622:81']);
    await h.berthOk(['port', 'rm', 'p', '80']);
    expect(await h.berthOk(['port', 'p'])).not.toContain('80/tcp');
    expect(await h.berthOk(['port', 'p'])).toContain('81/tcp -> 0.0.0.0:9622');
    await consistent(h);
    await h.clearBerth();
    expect(await h.snapshot()).toEqual(baseline);
  });

  it('network rm: undone, then works', async () => {
    const h = host();
    const baseline = await h.snapshot();
    await h.berthOk(['network', 'create', '--subnet', '10.99.10.0/24', 'fr']);
    const before = await h.snapshot();
    refused(await whenFull(h, ['network', 'rm', 'fr']));
    expect(await names(h, ['network', 'ls'])).toContain('fr');
    await h.berthOk(['nat', 'ls']); // a reading: waits for anything in the background
    expect(await h.snapshot()).toEqual(before);
    await consistent(h);
    await h.berthOk(['network', 'rm', 'fr']);
    await consistent(h);
    await h.clearBerth();
    expect(await h.snapshot()).toEqual(baseline);
  });

  it('run: undone (no container, no process, no sandbox), then works', async () => {
    const h = host();
    const baseline = await h.snapshot();
    await h.berthOk(['network', 'create', '--subnet', '10.99.12.0/24', 'fu']);
    const before = await h.snapshot();
    refused(await whenFull(h, ['run', '-d', '--name', 'u', '--network', 'fu', '-p', '9641:80', 'sleep', '600']));
    expect(await names(h, ['ps', '-a'])).not.toContain('u');
    // the undo SIGKILLs the process and does not wait for it to die
    await waitFor(async () => (await h.sh(['pgrep', '-x', '-f', 'sleep 600'])).code !== 0, 60_000, "the refused run's process to end");
    await h.berthOk(['nat', 'ls']); // a reading: waits for anything in the background
    expect(await h.snapshot()).toEqual(before);
    await consistent(h);
    await h.berthOk(['run', '-d', '--name', 'u', '--network', 'fu', '-p', '9641:80', 'sleep', '600']);
    await consistent(h);
    await h.clearBerth();
    expect(await h.snapshot()).toEqual(baseline);
  });

  it('rm -f of a running container: completes or is undone, then works', async () => {
    const h = host();
    const baseline = await h.snapshot();
    await h.berthOk(['network', 'create', '--subnet', '10.99.11.0/24', 'fx']);
    const empty = await h.snapshot();
    await h.berthOk(['run', '-d', '--name', 'x', '--network', 'fx', '-p', '9631:80', 'sleep', '600']);
    const running = await h.snapshot();
    const r = await whenFull(h, ['rm', '-f', 'x']);
    await h.berthOk(['nat', 'ls']); // a reading: waits for anything in the background
    if (r.code === 0) expect(await h.snapshot()).toEqual(empty);
    else {
      refused(r);
      const left = await names(h, ['ps', '-a']);
      // the process is gone either way; what is left is the record and, while it names them, its network objects
      if (left.includes('x')) expect((await h.snapshot()).links).toEqual(running.links);
      else expect(await h.snapshot()).toEqual(empty);
    }
    await consistent(h);
    await h.berthOk(['rm', '-f', 'x']).catch(() => ''); // gone already, or goes now
    expect(await names(h, ['ps', '-a'])).not.toContain('x');
    expect(await h.snapshot()).toEqual(empty);
    await h.berthOk(['run', '-d', '--name', 'x', '--network', 'fx', '-p', '9631:80', 'sleep', '600']);
    await consistent(h);
    await h.clearBerth();
    expect(await h.snapshot()).toEqual(baseline);
  });
});
