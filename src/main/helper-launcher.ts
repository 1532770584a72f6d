// Starts the root helper through the desktop's privilege prompt (pkexec via
// sudo-prompt). The command line is built only from absolute paths Berth
// chooses and numbers: no user text, nothing from the environment reaches it.
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';

// Where a system Node lives; process.execPath is Electron, not Node.
export const NODE_CANDIDATES = ['/usr/bin/node', '/usr/local/bin/node', '/opt/node/bin/node'] as const;
const SAFE_PATH = /^\/[A-Za-z0-9_./+-]+$/;

export function findNode(exists: (p: string) => boolean = existsSync): string | null {
  return NODE_CANDIDATES.find((p) => exists(p)) ?? null;
}

export interface LaunchSpec {
  node: string;
  script: string; // dist/berth.mjs
  uid: number;
  socket: string;
}

// One shell word per argument; every part is checked, then single-quoted.
export function helperCommandLine(spec: LaunchSpec): string {
  for (const p of [spec.node, spec.script, spec.socket]) {
    if (!isAbsolute(p) || !SAFE_PATH.test(p) || p.includes('..'))
      throw new Error(`refusing to start the helper with an unusual path: ${p}`);
  }
  if (!Number.isInteger(spec.uid) || spec.uid < 0) throw new Error(`invalid uid ${spec.uid}`);
  const q = (s: string) => `'${s}'`;
  return [q(spec.node), q(spec.script), 'helper', '--owner', String(spec.uid), '--socket', q(spec.socket)].join(' ');
}

// A clone runs dist/berth.mjs; a packaged app (electron-builder.json) the
// copy in resources/helper/, outside the asar archive the system's Node
// cannot read.
export function helperScriptPath(appRoot: string, resourcesPath?: string): string {
  return resourcesPath ? resolve(resourcesPath, 'helper', 'berth.mjs') : resolve(appRoot, 'dist', 'berth.mjs');
}

type SudoExec = (
  cmd: string,
  opts: { name: string },
  cb: (err?: Error, stdout?: string | Buffer, stderr?: string | Buffer) => void,
) => void;

export function makeLauncher(sudoExec: SudoExec, spec: () => LaunchSpec): () => Promise<void> {
  return () =>
    new Promise((resolveLaunch, reject) => {
      let cmd: string;
      try {
        cmd = helperCommandLine(spec());
      } catch (e) {
        reject(e);
        return;
      }
      sudoExec(cmd, { name: 'Berth' }, (err, _out, stderr) => {
        if (err) {
          const detail = String(stderr ?? '').trim();
          reject(new Error(/dismissed|denied|cancel/i.test(err.message) ? 'the administrator prompt was cancelled' : detail || err.message));
        } else resolveLaunch();
      });
    });
}

// Installed from the package (docs/install.md): the polkit action
// org.berth.helper.start names /usr/lib/berth/berth as its program, so pkexec
// runs exactly that, with arguments, no shell in between: one action an
// administrator can allow or keep, instead of sudo-prompt's `pkexec bash -c`.
export const PACKAGED = {
  program: '/usr/lib/berth/berth',
  policy: '/usr/share/polkit-1/actions/org.berth.helper.policy',
  pkexec: '/usr/bin/pkexec',
} as const;

export function installedFromPackage(exists: (p: string) => boolean = existsSync): boolean {
  return Object.values(PACKAGED).every((p) => exists(p));
}

export function pkexecArgs(spec: { uid: number; socket: string }): string[] {
  if (!isAbsolute(spec.socket) || !SAFE_PATH.test(spec.socket) || spec.socket.includes('..'))
    throw new Error(`refusing to start the helper with an unusual path: ${spec.socket}`);
  if (!Number.isInteger(spec.uid) || spec.uid < 0) throw new Error(`invalid uid ${spec.uid}`);
  return [PACKAGED.program, 'helper', '--owner', String(spec.uid), '--socket', spec.socket];
}

type ExecFile = (
  file: string,
  args: string[],
  cb: (err: (Error & { code?: number | string | null }) | null, stdout: string | Buffer, stderr: string | Buffer) => void,
) => void;

// pkexec's own exit codes (pkexec(1)): 126 the dialog was dismissed, 127 not
// authorized or no way to ask. Without a polkit agent pkexec fails at once,
// and the app must say so rather than fail silently.
export function makePkexecLauncher(execFile: ExecFile, spec: () => { uid: number; socket: string }): () => Promise<void> {
  return () =>
    new Promise((resolveLaunch, reject) => {
      let args: string[];
      try {
        args = pkexecArgs(spec());
      } catch (e) {
        reject(e);
        return;
      }
      execFile(PACKAGED.pkexec, args, (err, _out, stderr) => {
        if (!err) return resolveLaunch();
        const detail = String(stderr ?? '').trim();
        if (err.code === 126) reject(new Error('the administrator prompt was cancelled'));
        else if (/no authentication agent/i.test(detail))
          reject(new Error('no polkit authentication agent runs in this session to ask for the password: start the helper with `sudo systemctl start berth-helper.socket`'));
        else if (err.code === 127) reject(new Error(`not authorized to start the helper${detail ? `: ${detail}` : ''}`));
        else reject(new Error(detail || err.message));
      });
    });
}
