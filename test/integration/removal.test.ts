import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestHost, waitFor } from './harness';

// Removal saves its intent before it destroys anything: a full disk refuses
// the removal with nothing changed, and a removal cut short is finished later.
describe('removal on a full disk and after an interruption', () => {
  let h: TestHost;
  const alive = (pid: number) => h.alive(pid); // a PID of the test host's
  beforeAll(async () => {
    h = await TestHost.create();
    // a small data root of its own, to fill up
    await h.shOk(['mkdir', '-p', h.dataRoot]);
    await h.shOk(['mount', '-t', 'tmpfs', '-o', 'size=8m,mode=0700', 'berth-data', h.dataRoot]);
    await h.startHelper();
    await h.berthOk(['network', 'create', '--subnet', '10.67.0.0/24', 'full']);
  });
  afterAll(async () => h?.destroy());

  it('rm -f on a full disk is refused, the container keeps running, and succeeds once there is room', async () => {
    await h.berthOk(['run', '-d', '--name', 'victim', '--network', 'full', 'sleep', '300']);
    const pid: number = (await h.inspect('victim')).State.Pid;
    const before = await h.snapshot();
    await h.sh(['dd', 'if=/dev/zero', `of=${h.dataRoot}/filler`, 'bs=64k']); // ends with ENOSPC
    const r = await h.berth(['rm', '-f', 'victim']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/no space left on device|ENOSPC/i);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    // what ps says is true: it runs, with its namespace, links and rules
    expect(await alive(pid)).toBe(true);
    expect((await h.inspect('victim')).State.Status).toBe('running');
    expect(await h.snapshot()).toEqual(before);
    expect((await h.inContainer('victim', ['ip', '-br', 'addr', 'show', 'eth0'])).stdout).toMatch(/10\.67\.0\.\d+/);
    const doctor = await h.berth(['doctor']);
    expect(doctor.stdout).not.toMatch(/removal/);

    await h.shOk(['rm', '-f', `${h.dataRoot}/filler`]);
    await h.berthOk(['rm', '-f', 'victim']);
    expect(await alive(pid)).toBe(false);
    expect((await h.berthOk(['ps', '-a'])).includes('victim')).toBe(false);
    const after = await h.snapshot();
    expect(after.netns.filter((n) => n.startsWith('berth-'))).toEqual([]);
  });

  it('a removal recorded but cut short (the helper ended) is finished at start-up', async () => {
    await h.berthOk(['run', '-d', '--name', 'halfway', '--network', 'full', 'sleep', '300']);
    const c = await h.inspect('halfway');
    const pid: number = c.State.Pid;
    await h.stopHelper();
    // the state a crash right after the intent was saved leaves behind
    const file = `${h.dataRoot}/state.json`;
    // (the data root is mounted in the test host's namespace only)
    const s = JSON.parse(await h.shOk(['cat', file]));
    s.containers[c.Id].state.status = 'removing';
    await h.sh(['sh', '-c', 'cat > "$1"', 'sh', file], { input: JSON.stringify(s) });
    await h.startHelper();
    expect((await h.berthOk(['ps', '-a'])).includes('halfway')).toBe(false);
    await waitFor(async () => !(await alive(pid)), 60_000, `pid ${pid} to end`);
    expect((await h.snapshot()).netns.filter((n) => n.startsWith('berth-'))).toEqual([]);
    expect((await h.sh(['ip', '-br', 'link'])).stdout).not.toMatch(/^veth/m);
  });
});
