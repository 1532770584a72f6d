import { existsSync } from 'node:fs';
import { mkdir, symlink, copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { waitFor, type InHost, type TestHost } from './harness';

// A real dockerd (Debian's docker.io) in a test host, beside Berth's helper:
// its own data, exec and pid roots under the host's dir (a tmpfs mounted in
// the host only), its socket there, so it shares nothing with the machine
// but the kernel's code. The host needs a private /run (TestHost.create's
// privateRun): dockerd's containerd keeps its shims' sockets in
// /run/containerd whatever its roots. No registry is reachable: the one image
// is busybox-static imported from a directory.
export const DOCKER_PROGRAMS = ['/usr/sbin/dockerd', '/usr/bin/docker', '/usr/bin/containerd', '/usr/sbin/runc', '/bin/busybox'];
export const IMAGE = 'berth-it/busybox:1';

export function dockerMissing(): string[] {
  return DOCKER_PROGRAMS.filter((p) => !existsSync(p));
}

export class DockerPeer {
  private daemon: InHost | null = null;
  private log = '';
  readonly root: string;
  readonly sock: string;

  constructor(private readonly h: TestHost) {
    this.root = join(h.dir, 'docker');
    this.sock = join(this.root, 'docker.sock');
  }

  // `docker` inside the test host, against this daemon
  cli(args: string[], input?: string) {
    return this.h.sh(['/usr/bin/docker', '-H', `unix://${this.sock}`, ...args], { input, timeoutMs: 120_000 });
  }

  async ok(args: string[]): Promise<string> {
    const r = await this.cli(args);
    if (r.code !== 0) throw new Error(`docker ${args.join(' ')}: exit ${r.code}: ${r.stderr}`);
    return r.stdout;
  }

  // The first start also mounts the roots' tmpfs, keeps /etc/docker (its trust
  // key) private to the host, and imports the image.
  async start(): Promise<void> {
    const first = !existsSync(this.root);
    if (first) {
      await mkdir(this.root);
      await this.h.shOk(['mount', '-t', 'tmpfs', 'berth-docker', this.root]);
      if (existsSync('/etc/docker')) await this.h.shOk(['mount', '-t', 'tmpfs', 'berth-etc-docker', '/etc/docker']);
    }
    this.log = '';
    const d = this.h.spawn(['/usr/sbin/dockerd', '--data-root', join(this.root, 'data'), '--exec-root', join(this.root, 'exec'),
      '--pidfile', join(this.root, 'docker.pid'), '--host', `unix://${this.sock}`], { all: true });
    d.proc.all?.on('data', (b: Buffer) => (this.log = (this.log + b.toString()).slice(-20_000)));
    this.daemon = d;
    await waitFor(async () => {
      if (d.proc.exitCode !== null) throw new Error(`dockerd exited: ${this.log.slice(-2000)}`);
      return (await this.cli(['version', '--format', '{{.Server.Version}}'])).code === 0;
    }, 180_000, 'dockerd to answer on its socket', 200).catch((e: Error) => {
      throw new Error(`${e.message}\n${this.log.slice(-2000)}`);
    });
    if (first) await this.importImage();
  }

  // SIGTERM to dockerd itself (by PID); it stops its containers and its containerd
  async stop(): Promise<void> {
    const d = this.daemon;
    if (!d) return;
    this.daemon = null;
    await d.signal('SIGTERM');
    const done = await Promise.race([d.proc.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 120_000))]);
    if (!done) {
      await d.signal('SIGKILL');
      await d.proc;
    }
  }

  private async importImage(): Promise<void> {
    const rootfs = join(this.h.dir, 'rootfs');
    await mkdir(join(rootfs, 'bin'), { recursive: true });
    await mkdir(join(rootfs, 'www'));
    await copyFile('/bin/busybox', join(rootfs, 'bin/busybox'));
    for (const t of ['sh', 'httpd', 'sleep']) await symlink('busybox', join(rootfs, 'bin', t));
    await writeFile(join(rootfs, 'www/index.html'), 'docker\n');
    const r = await this.h.sh(['sh', '-c', `tar -C ${rootfs} -c . | /usr/bin/docker -H unix://${this.sock} import - ${IMAGE}`], { timeoutMs: 120_000 });
    if (r.code !== 0) throw new Error(`docker import: ${r.stderr}`);
  }
}
