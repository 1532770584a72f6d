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

export function helperScriptPath(appRoot: string): string {
  return resolve(appRoot, 'dist', 'berth.mjs');
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
