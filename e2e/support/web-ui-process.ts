import { execa, type ResultPromise } from 'execa';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startWebUi } from '../../helper/src/webui/server';

export interface RunningUi {
  url: string;
  via: 'cli' | 'in-process';
  stop(): Promise<void>;
}

// `berth ui --web --port 0 --no-open` against a helper socket; the URL is
// read from its first line of output. If this build of the CLI has no `ui`
// verb yet, the same server runs in-process (and the test says so).
export async function startUi(opts: { berth: string; socket: string; rendererDir: string }): Promise<RunningUi> {
  if (existsSync(opts.berth)) {
    const probe = await execa(process.execPath, [opts.berth, 'ui', '--help'], { reject: false });
    if (probe.exitCode === 0) {
      const p: ResultPromise = execa(process.execPath, [opts.berth, 'ui', '--web', '--port', '0', '--no-open'], {
        reject: false,
        cleanup: true,
        env: { BERTH_SOCKET: opts.socket, BERTH_RENDERER_DIR: opts.rendererDir },
      });
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        const t = setTimeout(() => reject(new Error(`berth ui --web printed no URL within 60 s: ${out}`)), 60_000);
        p.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          const m = out.match(/http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+/);
          if (m) {
            clearTimeout(t);
            resolve(m[0]);
          }
        });
        void p.then((r) => reject(new Error(`berth ui exited ${r.exitCode}: ${String(r.stderr)}`)));
      });
      return {
        url,
        via: 'cli',
        stop: async () => {
          p.kill('SIGTERM');
          await p;
        },
      };
    }
  }
  const ui = await startWebUi({ socketPath: opts.socket, rendererDir: opts.rendererDir });
  return { url: ui.url, via: 'in-process', stop: () => ui.close() };
}

export const rendererDirOf = (root: string) => join(root, 'out', 'renderer');
