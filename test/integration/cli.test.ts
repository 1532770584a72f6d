import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { CLI, hostPerTest, TestHost, waitFor } from './harness';

// The CLI as a Docker user's shell meets it: pipes closed early, stdout and
// stderr apart, exit codes, prompts, --format and --filter on real objects.
describe('berth CLI habits', () => {
  let h: TestHost;
  const cmd = CLI.map((a) => `"${a}"`).join(' ');
  // a shell pipeline on the caller's side, reporting berth's own status (pipefail)
  const pipe = (berthArgs: string, tail: string, env: Record<string, string> = {}) =>
    execa('bash', ['-c', `set -o pipefail; ${cmd} ${berthArgs} | ${tail}`], {
      reject: false,
      env: { BERTH_SOCKET: h.socket, ...env },
      timeout: 60_000,
    });
  // a pseudo-terminal on stdin (util-linux script), answering a prompt
  const onTerminal = (berthArgs: string, answer: string) =>
    execa('script', ['-qec', `${cmd} ${berthArgs}`, '/dev/null'], {
      reject: false,
      env: { BERTH_SOCKET: h.socket },
      input: `${answer}\n`,
      timeout: 60_000,
    });
  const names = async (args: string[]) => (await h.berthOk(args)).split('\n').filter(Boolean);

  // a host per test: an --rm container the helper removes after the CLI
  // returned, or a prune, cannot reach into another test's objects
  hostPerTest(async (host) => {
    h = host;
    await h.startHelper();
    await h.berthOk(['network', 'create', '--subnet', '10.77.0.0/24', '--label', 'team=a', 'clinet']);
    // keeps clinet in use, so prune leaves it
    await h.berthOk(['run', '-d', '--name', 'keeper', '--network', 'clinet', '--', 'sleep', 'infinity']);
  });

  it('a pipe closed early ends logs -f and an attached run quietly, with the status of SIGPIPE', async () => {
    await h.berthOk(['run', '-d', '--name', 'talker', '--network', 'clinet', '--', 'sh', '-c', 'while :; do echo line; sleep 0.05; done']);
    await waitFor(async () => (await h.berthOk(['logs', 'talker'])).includes('line'), 60_000, 'talker writing');
    const logs = await pipe('logs -f talker', 'head -1');
    expect(logs.stdout).toBe('line');
    expect(logs.stderr).toBe('');
    expect(logs.exitCode).toBe(141);
    const run = await pipe('run --rm --name counter --network clinet -- seq 1 200000', 'head -1');
    expect(run.stdout).toBe('1');
    expect(run.stderr).not.toMatch(/EPIPE|at .*\.mjs/);
    expect(run.exitCode).toBe(141);
    // --rm still removes the container: the helper does it when seq ends,
    // which on a loaded machine can be well after the CLI died of SIGPIPE
    // (as with Docker's AutoRemove, the container outlives its client)
    await waitFor(async () => !(await names(['ps', '-a', '--format', '{{.Names}}'])).includes('counter'), 120_000, '--rm to remove counter once seq ended');
    await h.berthOk(['rm', '-f', 'talker']);
  });

  it('stdout and stderr stay apart in run and logs', async () => {
    const prog = ['sh', '-c', 'echo out; echo err >&2; exit 3'];
    const r = await h.berth(['run', '--rm', '--network', 'clinet', '--', ...prog]);
    expect([r.stdout, r.stderr, r.code]).toEqual(['out', 'err', 3]);
    await h.berthOk(['run', '-d', '--name', 'split', '--network', 'clinet', '--', ...prog]);
    await waitFor(async () => (await h.inspect('split')).State.Status === 'exited', 60_000, 'split exited');
    const l = await h.berth(['logs', 'split']);
    expect([l.stdout, l.stderr, l.code]).toEqual(['out', 'err', 0]);
    const f = await h.berth(['logs', '-f', 'split']);
    expect([f.stdout, f.stderr]).toEqual(['out', 'err']);
    await h.berthOk(['rm', 'split']);
  });

  it("errors have one shape and Docker's exit codes", async () => {
    expect((await h.berth(['run', '--rm', '--', 'sh', '-c', 'exit 7'])).code).toBe(7);
    const flag = await h.berth(['run', '--bogus', 'true']);
    expect([flag.code, flag.stderr]).toEqual([125, "Error: unknown flag: --bogus\nSee 'berth run --help'."]);
    const net = await h.berth(['run', '--network', 'nope', '--', 'true']);
    expect(net.code).toBe(125);
    expect(net.stderr).toMatch(/^Error: .*nope.*not found$/);
    const missing = await h.berth(['run', '--rm', '--', 'no-such-command-xyz']);
    expect([missing.code, missing.stderr]).toEqual([127, 'Error: exec: "no-such-command-xyz": executable file not found in $PATH']);
    const rm = await h.berth(['rm', 'ghost']);
    expect([rm.code, rm.stderr]).toEqual([1, 'Error: No such container: ghost']);
    const verb = await h.berth(['frobnicate']);
    expect([verb.code, verb.stderr]).toEqual([1, "Error: 'frobnicate' is not a berth command.\nSee 'berth --help'."]);
    const help = await h.berth(['help', 'network', 'create']);
    expect(help.stdout).toMatch(/^Usage: {2}berth network create \[OPTIONS\] NETWORK\n/);
  });

  it('-e KEY passes the caller\'s value, as docker run -e', async () => {
    const r = await execa(CLI[0], [...CLI.slice(1), 'run', '--rm', '-e', 'BERTH_T_VAR', '-e', 'BERTH_T_UNSET', '--', 'sh', '-c', 'echo "$BERTH_T_VAR-${BERTH_T_UNSET-unset}"'], {
      reject: false,
      env: { BERTH_SOCKET: h.socket, BERTH_T_VAR: 'from-caller' },
    });
    expect([r.stdout, r.exitCode]).toEqual(['from-caller-unset', 0]);
  });

  it("run -w: a relative directory is taken from the caller's (the default); the helper takes absolute ones only, as Docker's daemon", async () => {
    const run = (dir: string, cwd: string) => execa(CLI[0], [...CLI.slice(1), 'run', '--rm', '-w', dir, '--', 'pwd'], { reject: false, cwd, env: { BERTH_SOCKET: h.socket } });
    expect(await run('sbin', '/usr')).toMatchObject({ stdout: '/usr/sbin', exitCode: 0 });
    expect(await run('..', '/usr/sbin')).toMatchObject({ stdout: '/usr', exitCode: 0 });
    const exec = await h.berth(['exec', '-w', 'etc', 'keeper', 'pwd']);
    expect([exec.code, exec.stderr.trim()]).toEqual([1, "Error: workdir: the working directory 'etc' is invalid, it needs to be an absolute path"]);
  });

  it('network prune and container prune ask on a terminal and refuse without -f otherwise', async () => {
    await h.berthOk(['network', 'create', 'spare']);
    await h.berthOk(['run', '--name', 'done1', '--network', 'clinet', '--', 'true']);
    for (const args of [['network', 'prune'], ['container', 'prune']]) {
      const r = await h.berth(args, { input: 'y\n' });
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(/^Error: .*-f/);
    }
    expect(await names(['network', 'ls', '--format', '{{.Name}}'])).toContain('spare');
    expect(await names(['ps', '-a', '--format', '{{.Names}}'])).toContain('done1');
    // on a terminal: "n" keeps, "y" removes
    const no = await onTerminal('network prune', 'n');
    expect(no.stdout).toContain('Are you sure you want to continue? [y/N]');
    expect(await names(['network', 'ls', '--format', '{{.Name}}'])).toContain('spare');
    const yes = await onTerminal('network prune', 'y');
    expect(yes.exitCode).toBe(0);
    expect(yes.stdout).toMatch(/Deleted Networks:\s+spare\s*$/);
    expect(await names(['network', 'ls', '--format', '{{.Name}}'])).not.toContain('spare');
    const c = await h.berth(['container', 'prune', '-f']);
    expect(c.stdout).toMatch(/^Deleted Containers:\n[0-9a-f]{64}\n/);
    expect(await names(['ps', '-a', '--format', '{{.Names}}'])).not.toContain('done1');
  });

  it('--format and --filter on real containers and networks', async () => {
    await h.berthOk(['run', '-d', '--name', 'fa', '--network', 'clinet', '--ip', '10.77.0.50', '--label', 'tier=web', '--', 'sleep', 'infinity']);
    await h.berthOk(['run', '-d', '--name', 'fb', '--', 'sleep', 'infinity']);
    expect(await names(['ps', '--filter', 'network=clinet', '--filter', 'label=tier', '--format', '{{.Names}} {{.Networks}} {{.Label "tier"}}'])).toEqual(['fa clinet web']);
    expect(await names(['ps', '--filter', 'label=tier=web', '-q'])).toHaveLength(1);
    expect(await names(['ps', '--filter', 'name=^/f', '--format', '{{.Names}}'])).toEqual(['fb', 'fa']);
    const table = await names(['ps', '--filter', 'name=fa', '--format', 'table {{.Names}}\t{{.State}}']);
    expect(table).toEqual(['NAMES     STATE', 'fa        running']);
    expect(await names(['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', 'fa'])).toEqual(['10.77.0.50']);
    expect(await names(['inspect', '--format', '{{.Config.Labels.tier}} {{json .State.Running}}', 'fa', 'fb'])).toEqual(['web true', '<no value> true']);
    expect(await names(['network', 'ls', '--filter', 'type=custom', '--format', '{{.Name}} {{.Driver}} {{.Labels}}'])).toEqual(['clinet bridge team=a']);
    expect(await names(['network', 'ls', '--filter', 'label=team', '--no-trunc', '-q'])).toEqual([expect.stringMatching(/^[0-9a-f]{64}$/)]);
    expect(await names(['network', 'inspect', '-f', '{{range .IPAM.Config}}{{.Subnet}}{{end}}{{range .Containers}} {{.Name}}{{end}}', 'clinet'])).toEqual([expect.stringMatching(/^10\.77\.0\.0\/24 .*\bfa\b/)]);
    const bad = await h.berth(['ps', '--format', '{{.Names']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^Error: template parsing error/);
    const field = await h.berth(['inspect', '-f', '{{.Nope}}', 'fa']);
    expect(field.code).not.toBe(0);
    expect(field.stderr).toContain("can't evaluate field Nope");
    await h.berthOk(['rm', '-f', 'fa', 'fb']);
  });
});
