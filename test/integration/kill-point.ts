import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { settledOrDead } from './consistency';
import type { TestHost } from './harness';

// A SIGKILL of the helper at the Nth step of its kernel work, counted in the
// test host's own mount namespace: `ip` (each line of its `-batch` session,
// and each one-shot run), `iptables-restore` and `ip6tables-restore` become
// wrappers that append the step to a log; when the log reaches the armed
// number, the wrapper SIGKILLs the helper and does NOT do that step (the
// kernel holds steps 1..N-1). The helper finds its programs by absolute path
// in root-only directories (kernel/programs.ts), so the wrappers are bind
// mounts over them (ip) and over the alternatives' directory (the restores),
// as firewall-deferred.test.ts does. The helper must start after this.
const WRAPPER = `#!/usr/bin/python3
import fcntl, os, signal, subprocess, sys
DIR, REAL = %DIR%, %REAL%
def step(what):
    # appends one step; True when it is the armed one (the helper is then killed)
    with open(os.path.join(DIR, 'steps'), 'a+') as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        f.seek(0)
        n = len(f.read().splitlines()) + 1
        f.write(what.replace('\\n', ' ') + '\\n')
        f.flush()
        try:
            with open(os.path.join(DIR, 'kill-at')) as k:
                at, pid = (int(x) for x in k.read().split())
        except FileNotFoundError:
            return False
        if n != at:
            return False
        os.kill(pid, signal.SIGKILL)
        return True
args = sys.argv[1:]
if os.path.basename(REAL) == 'ip-real' and args[-2:] == ['-batch', '-']:
    # the helper's long-lived session: one step per line (its sync marker is none)
    child = subprocess.Popen([REAL] + args, stdin=subprocess.PIPE, close_fds=False)
    while True:
        line = sys.stdin.buffer.readline()
        if not line:
            break
        if not line.startswith(b'berth-sync') and step('ip-batch ' + line.decode(errors='replace').strip()):
            break
        child.stdin.write(line)
        child.stdin.flush()
    child.stdin.close()
    sys.exit(child.wait())
if step(os.path.basename(sys.argv[0]) + ' ' + ' '.join(args)):
    sys.exit(1)
os.execv(REAL, [REAL] + args)
`;

export class KillPoints {
  private constructor(private readonly h: TestHost, readonly dir: string) {}

  static async install(h: TestHost): Promise<KillPoints> {
    const dir = join(h.dir, 'kill-point');
    await h.shOk(['mkdir', '-p', dir]);
    const wrapper = (real: string) => WRAPPER.replace('%DIR%', JSON.stringify(dir)).replace('%REAL%', JSON.stringify(real));
    // ip: a copy of the real one beside the wrapper, bound over /usr/sbin/ip
    await h.shOk(['cp', '/usr/sbin/ip', join(dir, 'ip-real')]);
    await writeFile(join(dir, 'ip'), wrapper(join(dir, 'ip-real')), { mode: 0o755 });
    await h.shOk(['mount', '--bind', join(dir, 'ip'), '/usr/sbin/ip']);
    // the restores: through a private copy of /etc/alternatives
    const alt = join(dir, 'alt');
    await h.shOk(['cp', '-a', '/etc/alternatives/.', `${alt}/`]);
    for (const tool of ['iptables-restore', 'ip6tables-restore']) {
      const real = (await h.shOk(['readlink', `/etc/alternatives/${tool}`])).trim(); // e.g. /usr/sbin/iptables-nft-restore: its name says the mode
      await rm(join(alt, tool));
      await writeFile(join(alt, tool), wrapper(real), { mode: 0o755 });
    }
    await h.shOk(['mount', '--bind', alt, '/etc/alternatives']);
    return new KillPoints(h, dir);
  }

  // Starts a new count; with `at`, the helper (its PID inside the host) dies at that step
  async arm(at?: number): Promise<void> {
    await rm(join(this.dir, 'steps'), { force: true });
    if (at) await writeFile(join(this.dir, 'kill-at'), `${at} ${this.h.helperPid}\n`);
    else await rm(join(this.dir, 'kill-at'), { force: true });
  }

  async disarm(): Promise<void> {
    await rm(join(this.dir, 'kill-at'), { force: true });
  }

  // The steps counted since arm()
  async steps(): Promise<string[]> {
    return (await readFile(join(this.dir, 'steps'), 'utf8').catch(() => '')).split('\n').filter(Boolean);
  }

  // Runs `op` with the helper armed to die at step `at` (op fails, or answered
  // before a background step), checks the count reached that step, reaps the
  // dead helper and starts a new one with `helperArgs`.
  async crashAt(at: number, where: string, op: () => Promise<unknown>, helperArgs: string[]): Promise<void> {
    await this.arm(at);
    await op();
    await settledOrDead(this.h); // the kill may land in the operation's background part
    const counted = await this.steps();
    await this.disarm();
    expect(counted.length, `${where}: steps this time:\n${counted.join('\n')}`).toBeGreaterThanOrEqual(at);
    await this.h.stopHelper('SIGKILL'); // already dead: this reaps it
    await this.h.startHelper(helperArgs);
  }
}
