import { execa } from 'execa';
import { chmod, chown, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestHost, waitFor } from './harness';
import { createOwnerUser, type OwnerUser } from './owner-user';

// The helper is root, its owner is not: what the owner puts in a container's
// environment (LD_PRELOAD, PATH) applies to the container's command, as the
// owner, and never to a program the helper runs as root.
describe('the owner cannot run code as root through a container', () => {
  let h: TestHost;
  let u: OwnerUser;
  // every file a planted program left: who it ran as
  const markers = async (prefix: string) => {
    const files = (await readdir(u.home)).filter((f) => f.startsWith(prefix));
    return Promise.all(files.map(async (f) => (await readFile(join(u.home, f), 'utf8')).trim()));
  };

  beforeAll(async () => {
    u = await createOwnerUser();
    h = await TestHost.create();
    await h.startHelper(['--owner', String(u.uid)]);
  });
  afterAll(async () => {
    await h?.destroy();
    await u?.remove();
  });

  it('applies LD_PRELOAD to the command as the owner, never to a root program', async () => {
    const src = join(u.home, 'evil.c');
    const lib = join(u.home, 'evil.so');
    await writeFile(
      src,
      `#include <stdio.h>
#include <unistd.h>
__attribute__((constructor)) static void mark(void) {
  char p[512];
  snprintf(p, sizeof p, "${u.home}/preload-%d", (int)getpid());
  FILE *f = fopen(p, "w");
  if (f) { fprintf(f, "%d\\n", (int)geteuid()); fclose(f); }
}
`,
    );
    await execa('gcc', ['-shared', '-fPIC', '-o', lib, src]);
    await chown(lib, u.uid, u.gid);
    const r = await h.berth(['run', '--rm', '-w', '/', '-e', `LD_PRELOAD=${lib}`, '--', 'true']);
    expect(r.code, r.stderr).toBe(0);
    const seen = await markers('preload-');
    // the command itself loaded it (the variable was not dropped), as the owner
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen)).toEqual(new Set([String(u.uid)]));
  });

  it("looks the command up through the container's PATH as the owner; the helper's programs are not looked up there", async () => {
    const bin = join(u.home, 'bin');
    await mkdir(bin);
    await chown(bin, u.uid, u.gid);
    for (const prog of ['nsenter', 'setpriv', 'env', 'mytool']) {
      const f = join(bin, prog);
      await writeFile(f, `#!/bin/sh\nid -u > ${u.home}/path-${prog}-$$\n`);
      await chmod(f, 0o755);
      await chown(f, u.uid, u.gid);
    }
    const path = `PATH=${bin}:/usr/bin:/bin`;
    expect((await h.berth(['run', '--rm', '-w', '/', '-e', path, '--', 'true'])).code).toBe(0);
    expect(await markers('path-')).toEqual([]);
    const r = await h.berth(['run', '--rm', '-w', '/', '-e', path, '--', 'mytool']);
    expect(r.code, r.stderr).toBe(0);
    expect(await markers('path-mytool-')).toEqual([String(u.uid)]);
    expect(await markers('path-nsenter-')).toEqual([]);
  });

  it('answers alike whether a path exists below a directory the owner cannot search (root never looks there for them)', async () => {
    const priv = join(u.home, 'priv');
    await mkdir(join(priv, 'exists'), { recursive: true });
    await writeFile(join(priv, 'exists', 'tool'), '#!/bin/sh\n');
    await chmod(join(priv, 'exists', 'tool'), 0o755);
    await chmod(priv, 0o700); // root's, in a home the owner can search
    const answer = async (args: string[], p: string) => {
      const r = await h.berth(['run', '--rm', ...args]);
      return { code: r.code, stderr: r.stderr.replaceAll(p, 'PATH').trim() };
    };
    const [wdA, wdB] = [join(priv, 'exists'), join(priv, 'missing')];
    const a = await answer(['-w', wdA, '--', 'true'], wdA);
    expect(a.code).not.toBe(0);
    expect(await answer(['-w', wdB, '--', 'true'], wdB)).toEqual(a);
    const [cmdA, cmdB] = [join(priv, 'exists', 'tool'), join(priv, 'exists', 'nothing')];
    const c = await answer(['-w', '/', '--', cmdA], cmdA);
    expect(c.code).not.toBe(0);
    expect(await answer(['-w', '/', '--', cmdB], cmdB)).toEqual(c);
  });

  it("runs the command as the owner with the owner's groups, in the working directory given", async () => {
    const r = await h.berth(['run', '--rm', '-w', u.home, '--', 'sh', '-c', 'id -u; id -g; pwd; env | sort']);
    expect(r.code, r.stderr).toBe(0);
    const [uid, gid, cwd, ...env] = r.stdout.trim().split('\n');
    expect([uid, gid, cwd]).toEqual([String(u.uid), String(u.gid), u.home]);
    // the container's environment only: nothing of the helper's
    expect(env.map((l) => l.split('=')[0]).filter((k) => !['HOME', 'HOSTNAME', 'PATH', 'PWD', 'SHLVL', '_'].includes(k))).toEqual([]);
  });

  describe('network connect --pid/--netns reaches only what the owner could enter', () => {
    let before: Awaited<ReturnType<TestHost['snapshot']>>;
    let store: string;
    const refused = async (args: string[], msg: RegExp) => {
      const r = await h.berth(['network', 'connect', 'mine', ...args]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(await h.snapshot()).toEqual(before);
      expect(await readFile(`${h.dataRoot}/state.json`, 'utf8')).toBe(store);
    };
    // a process in a namespace of its own, running as `uid`
    const background = async (uid: number, gid: number) => {
      const out = await h.shOk(['sh', '-c', `unshare --net setpriv --reuid=${uid} --regid=${gid} --clear-groups sleep 300 >/dev/null 2>&1 & echo $!`]);
      const pid = Number(out.trim());
      // unshare execs setpriv execs sleep: same PID, wait until it runs as uid in its own netns
      // (a PID of the test host's: read in its own /proc)
      const hostNs = await h.shOk(['readlink', '/proc/self/ns/net']);
      await waitFor(async () => (await h.shOk(['cat', `/proc/${pid}/status`])).includes(`Uid:\t${uid}\t`) && (await h.shOk(['readlink', `/proc/${pid}/ns/net`])) !== hostNs, 60_000, `pid ${pid} running as uid ${uid}`);
      return pid;
    };

    beforeAll(async () => {
      await h.berthOk(['network', 'create', '--subnet', '10.66.0.0/24', 'mine']);
      before = await h.snapshot();
      store = await readFile(`${h.dataRoot}/state.json`, 'utf8');
    });

    it("refuses the host's namespace and the helper's own", async () => {
      // where PID 1 is out of root's reach (a sandboxed machine) the helper cannot open it at all
      await refused(['--pid', '1'], /host's network namespace|network namespace of process 1: permission denied/);
      // in the test host PID 1 is its holder, in the helper's network namespace: either name is right
      await refused(['--pid', String(h.helperPid)], /helper's own network namespace|host's network namespace/);
    });

    it("refuses another user's process and a root-created named netns", async () => {
      const rootPid = await background(0, 0);
      await refused(['--pid', String(rootPid)], /belongs to uid 0, not to the helper's owner/);
      await h.shOk(['ip', 'netns', 'add', 'rootns']);
      before = await h.snapshot();
      await refused(['--netns', 'rootns'], /netns rootns belongs to uid 0/);
      await h.shOk(['kill', '-9', String(rootPid)]);
    });

    it("attaches a process of the owner's in its own namespace, and detaches it", async () => {
      const pid = await background(u.uid, u.gid);
      const out = await h.berthOk(['network', 'connect', 'mine', '--pid', String(pid)]);
      expect(out).toMatch(/^eth0 10\.66\.0\.\d+\/24/);
      expect((await h.sh(['nsenter', `--net=/proc/${pid}/ns/net`, '--', 'ip', '-br', 'addr', 'show', 'eth0'])).stdout).toMatch(/10\.66\.0\.\d+\/24/);
      await h.berthOk(['network', 'disconnect', 'mine', '--pid', String(pid)]);
      await h.settled(); // the veth goes after the answer
      expect((await h.sh(['nsenter', `--net=/proc/${pid}/ns/net`, '--', 'ip', '-br', 'link'])).stdout).not.toContain('eth0');
      await h.shOk(['kill', '-9', String(pid)]);
    });
  });
});
