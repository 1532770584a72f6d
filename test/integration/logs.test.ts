import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestHost, waitFor } from './harness';

// The per-container shim (docs/logs.md): capped, rotated json logs; exit
// statuses that survive the helper; logs -t/--since/--until; a full disk.
describe('container logs and exit statuses through the shim', () => {
  let h: TestHost;
  beforeAll(async () => {
    h = await TestHost.create();
    await h.shOk(['mkdir', '-p', h.dataRoot]);
    // a data root smaller than the default log cap (3 x 10 MiB): the full-disk case below
    await h.shOk(['mount', '-t', 'tmpfs', '-o', 'size=16m,mode=0700', 'berth-data', h.dataRoot]);
    await h.startHelper();
  });
  afterAll(async () => h?.destroy());

  const idOf = async (name: string) => (await h.inspect(name)).Id as string;
  const dirOf = async (name: string) => `${h.dataRoot}/containers/${await idOf(name)}`;
  // the data root is a mount of the test host's own: read it from there
  const sizes = async (dir: string) => {
    const out: Record<string, number> = {};
    const r = await h.sh(['find', dir, '-name', '*-json.log*', '-printf', '%f %s\\n']);
    for (const l of r.stdout.split('\n').filter(Boolean)) out[l.split(' ')[0]] = Number(l.split(' ')[1]);
    return out;
  };
  const readHost = async (file: string) => (await h.sh(['cat', file])).stdout;

  it('a log flood stays within max-size x max-file, and mutations go on meanwhile', async () => {
    await h.berthOk(['run', '-d', '--name', 'flood', '--log-opt', 'max-size=64k', '--log-opt', 'max-file=2', '--', 'yes', 'flooding the log']);
    const dir = await dirOf('flood');
    // inspect shows the caps as Docker's HostConfig.LogConfig; a container without --log-opt, Berth's defaults
    expect((await h.berthOk(['inspect', '-f', '{{json .HostConfig.LogConfig}}', 'flood'])).trim()).toBe('{"Type":"json-file","Config":{"max-file":"2","max-size":"64k"}}');
    await h.berthOk(['run', '-d', '--name', 'plainlog', '--', 'true']);
    expect((await h.berthOk(['inspect', '-f', '{{.HostConfig.LogConfig.Type}} {{index .HostConfig.LogConfig.Config "max-size"}} {{index .HostConfig.LogConfig.Config "max-file"}}', 'plainlog'])).trim()).toBe('json-file 10m 3');
    await h.berthOk(['rm', '-f', 'plainlog']);
    // rotated at least twice: the .1 file exists and the current one has been started over
    await waitFor(async () => Object.keys(await sizes(dir)).length === 2, 60_000, 'the flood log to rotate');
    for (let i = 0; i < 5; i++) {
      const s = await sizes(dir);
      expect(Object.keys(s).length).toBeLessThanOrEqual(2);
      for (const n of Object.values(s)) expect(n).toBeLessThanOrEqual(64 * 1024);
      await h.berthOk(['network', 'create', `n${i}`]);
    }
    expect((await h.berthOk(['logs', '--tail', '1', 'flood'])).trim()).toBe('flooding the log');
    await h.berthOk(['rm', '-f', 'flood']);
    expect((await h.sh(['test', '-e', dir])).code).not.toBe(0);
    for (let i = 0; i < 5; i++) await h.berthOk(['network', 'rm', `n${i}`]);
  });

  it('logs -t, --since and --until pick entries by time; stderr stays apart', async () => {
    const marks = `${h.dir}/marks`;
    await h.shOk(['mkdir', '-p', marks]);
    // each line waits for its mark file, so the lines' times are apart without sleeping on a clock
    const script = `for x in a b c; do while [ ! -e ${marks}/$x ]; do sleep 0.05; done; echo $x; done; echo e >&2`;
    await h.berthOk(['run', '-d', '--name', 'timed', '--', 'sh', '-c', script]);
    for (const x of ['a', 'b', 'c']) {
      await h.shOk(['touch', `${marks}/${x}`]);
      await waitFor(async () => (await h.berthOk(['logs', 'timed'])).split('\n').includes(x), 60_000, `line ${x} in the log`);
    }
    await h.berthOk(['wait', 'timed']);
    const t = await h.berth(['logs', '-t', 'timed']);
    // (the harness strips one final newline from each stream)
    expect(t.stderr).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z e$/);
    const lines = t.stdout.trim().split('\n');
    expect(lines.map((l) => l.split(' ')[1])).toEqual(['a', 'b', 'c']);
    const times = lines.map((l) => l.split(' ')[0]);
    const sinceB = await h.berth(['logs', '--since', times[1], 'timed']);
    expect(sinceB.stdout).toBe('b\nc');
    const untilB = await h.berth(['logs', '--until', times[1], 'timed']);
    expect(untilB.stdout).toBe('a');
    // --tail counts both streams' entries, as Docker's
    const tail2 = await h.berth(['logs', '--since', '0', '--tail', '2', 'timed']);
    expect([tail2.stdout, tail2.stderr]).toEqual(['c', 'e']);
    // a duration before now: everything was written in the last hour, nothing in the future
    expect((await h.berth(['logs', '--since', '1h', 'timed'])).stdout).toBe('a\nb\nc');
    expect((await h.berth(['logs', '--until', '1h', 'timed'])).stdout).toBe('');
  });

  it('bad input: one line, exit 1, nothing changed', async () => {
    const before = await h.berthOk(['ps', '-a', '--format', '{{.ID}} {{.Names}}']);
    for (const [args, msg] of [
      [['logs', 'nosuch'], /^Error: No such container: nosuch$/],
      [['logs', '--since', 'yesterday', 'timed'], /^Error: invalid value for time "yesterday"/],
      [['run', '-d', '--log-opt', 'max-size=lots', '--', 'true'], /^Error: invalid size "lots"/],
      [['run', '-d', '--log-opt', 'colour=blue', '--', 'true'], /^Error: invalid --log-opt colour=blue/],
    ] as const) {
      const r = await h.berth([...args]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr.trim().split('\n').length).toBeLessThanOrEqual(2);
    }
    expect(await h.berthOk(['ps', '-a', '--format', '{{.ID}} {{.Names}}'])).toBe(before);
  });

  it('an exit status survives a helper SIGKILL: recorded while it was down, and after it came back', async () => {
    const go = `${h.dir}/go`;
    await h.berthOk(['run', '-d', '--name', 'seven', '--', 'sh', '-c', 'echo bye; exit 7']);
    await h.berthOk(['run', '-d', '--name', 'five', '--', 'sh', '-c', `while [ ! -e ${go} ]; do sleep 0.05; done; exit 5`]);
    const seven = await dirOf('seven');
    await h.stopHelper('SIGKILL');
    // wait for the shim's record rather than for a clock
    await waitFor(async () => (await readHost(`${seven}/exit.json`)).includes('"exitCode":7'), 60_000, "seven's shim to record its status");
    await h.startHelper();
    const s = await h.inspect('seven');
    expect(s.State).toMatchObject({ Status: 'exited', ExitCode: 7, Error: '' });
    expect(s.State.FinishedAt).not.toBe('');
    expect(await h.berthOk(['ps', '-a', '--filter', 'name=seven', '--format', '{{.Status}}'])).toMatch(/^Exited \(7\) /);
    expect(await h.berthOk(['logs', 'seven'])).toBe('bye');
    // `five` ran on through the restart; it ends now, under the new helper
    expect((await h.inspect('five')).State.Status).toBe('running');
    await h.shOk(['touch', go]);
    expect((await h.berth(['wait', 'five'])).stdout).toBe('5');
    expect((await h.inspect('five')).State.ExitCode).toBe(5);
  });

  it('a full data root: the log stops short of it, mutations and the store stay sound', async () => {
    // the default cap (30 MiB) is more than this 16 MiB data root holds
    await h.berthOk(['run', '-d', '--name', 'filler', '--', 'yes', 'x'.repeat(200)]);
    const dir = await dirOf('filler');
    let last = -1;
    // the log stops growing: the writer keeps the last MiBs free
    await waitFor(async () => {
      const total = Object.values(await sizes(dir)).reduce((a, b) => a + b, 0);
      const same = total === last && total > 0;
      last = total;
      return same;
    }, 120_000, 'the log to stop growing', 1000);
    expect((await h.inspect('filler')).State.Status).toBe('running');
    await h.berthOk(['network', 'create', 'still-works']);
    await h.berthOk(['run', '-d', '--name', 'another', '--', 'sleep', '300']);
    await h.berthOk(['rm', '-f', 'filler', 'another']);
    await h.berthOk(['network', 'rm', 'still-works']);
    await h.stopHelper('SIGKILL');
    await h.startHelper();
    expect(await h.berthOk(['ps', '-a', '--format', '{{.Names}}'])).not.toContain('filler');
    JSON.parse(await readHost(`${h.dataRoot}/state.json`));
  });
});
