import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestHost, waitFor } from './harness';

// `kill [-s SIG]`, `restart`, `wait`: Docker's semantics and exit codes; bad
// input is one line and changes nothing.
describe('kill, restart and wait', () => {
  let h: TestHost;
  beforeAll(async () => {
    h = await TestHost.create();
    await h.startHelper();
  });
  afterAll(async () => h?.destroy());

  const state = async (name: string) => (await h.inspect(name)).State;

  it('kill -s sends one signal to the main process; kill ends it with 137, which wait prints', async () => {
    await h.berthOk(['run', '-d', '--name', 'trapper', '--', 'sh', '-c', 'trap "echo got-hup" HUP; echo trapping; while :; do sleep 0.1; done']);
    const printed = async (line: string, n: number) =>
      waitFor(async () => (await h.berthOk(['logs', 'trapper'])).split('\n').filter((l) => l === line).length === n, 60_000, `${n} '${line}' line(s)`);
    // the first HUP only once the trap is set: `run -d` answers when the
    // process exists, while it is still nsenter, setpriv or env on its way to
    // sh, which a HUP then ends (129)
    await printed('trapping', 1);
    expect((await h.berth(['kill', '-s', 'HUP', 'trapper'])).stdout).toBe('trapper');
    const traps = (n: number) => printed('got-hup', n);
    await traps(1);
    expect((await state('trapper')).Status).toBe('running');
    // by number, and with or without SIG. Each waits for the trap before the
    // next: sh runs a trap once the foreground `sleep` ends, and two HUPs
    // that land in one sleep are one pending signal, one trap (a CI run sent
    // both within 0.1 s and waited for a third line that never came).
    await h.berthOk(['kill', '-s', '1', 'trapper']);
    await traps(2);
    await h.berthOk(['kill', '--signal', 'SIGHUP', 'trapper']);
    await traps(3);
    await h.berthOk(['kill', 'trapper']);
    expect((await h.berth(['wait', 'trapper'])).stdout).toBe('137');
    expect(await state('trapper')).toMatchObject({ Status: 'exited', ExitCode: 137 });
    expect(await h.berthOk(['ps', '-a', '--filter', 'name=trapper', '--format', '{{.Status}}'])).toMatch(/^Exited \(137\)/);
  });

  it('wait prints each exit code, in order, once the containers end', async () => {
    await h.berthOk(['run', '-d', '--name', 'w3', '--', 'sh', '-c', 'exit 3']);
    await h.berthOk(['run', '-d', '--name', 'w0', '--', 'true']);
    expect((await h.berth(['wait', 'w3', 'w0'])).stdout).toBe('3\n0');
    const r = await h.berth(['kill', '-s', 'TERM', 'w3']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Error: cannot kill container: w3: container [0-9a-f]{64} is not running$/);
  });

  it('restart: a running container gets a new process; a stopped one is started; stop gives 143', async () => {
    await h.berthOk(['run', '-d', '--name', 'rs', '--', 'sleep', '300']);
    const before = await state('rs');
    expect((await h.berth(['restart', '-t', '5', 'rs'])).stdout).toBe('rs');
    const after = await state('rs');
    expect(after.Status).toBe('running');
    expect(after.Pid).not.toBe(before.Pid);
    await h.berthOk(['stop', 'rs']);
    expect(await state('rs')).toMatchObject({ Status: 'exited', ExitCode: 143 });
    await h.berthOk(['restart', 'rs']);
    expect((await state('rs')).Status).toBe('running');
    await h.berthOk(['rm', '-f', 'rs']);
    // with -t the command runs under script(1): the signal still reaches the command, and its status is the one shown
    await h.berthOk(['run', '-d', '-t', '--name', 'tt', '--', 'sleep', '300']);
    await h.berthOk(['stop', 'tt']);
    expect(await state('tt')).toMatchObject({ Status: 'exited', ExitCode: 143 });
    await h.berthOk(['start', 'tt']);
    await h.berthOk(['kill', 'tt']);
    expect((await h.berth(['wait', 'tt'])).stdout).toBe('137');
  });

  it('bad input: unknown container, bad signal, stopped container: one line, exit 1, nothing changed', async () => {
    await h.berthOk(['run', '-d', '--name', 'keep', '--', 'sleep', '300']);
    // its own stopped container (it used the wait test's w0: shuffled, that one did not exist yet)
    await h.berthOk(['run', '-d', '--name', 'ended', '--', 'true']);
    expect((await h.berth(['wait', 'ended'])).stdout).toBe('0');
    const before = await state('keep');
    const cases: [string[], RegExp][] = [
      [['kill', 'nosuch'], /^Error: No such container: nosuch$/],
      [['kill', '-s', 'FOO', 'keep'], /^Error: Invalid signal: FOO$/],
      [['kill', '-s', '99', 'keep'], /^Error: Invalid signal: 99$/],
      [['kill', '-s', '', 'keep'], /^Error: Invalid signal: $/],
      [['restart', 'nosuch'], /^Error: No such container: nosuch$/],
      [['restart', '-t', 'soon', 'keep'], /^Error: invalid timeout soon/],
      [['wait', 'nosuch'], /^Error: No such container: nosuch$/],
      [['kill', 'ended'], /^Error: cannot kill container: ended: container [0-9a-f]{64} is not running$/],
    ];
    for (const [args, msg] of cases) {
      const r = await h.berth(args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toMatch(msg);
      expect(r.stdout, args.join(' ')).toBe('');
    }
    expect(await state('keep')).toEqual(before);
    expect((await state('ended')).ExitCode).toBe(0);
  });
});
