// `berth ui --web [--port N] [--no-open]`: the GUI in a browser tab.
import { existsSync } from 'node:fs';
import type { Command } from '../command';

// out/renderer, found next to dist/ (bundled: this code is in dist/chunks/) or the source tree.
// node:path and node:url loaded here, not at the start of every command (docs/architecture.md#the-cli-start)
export async function findRendererDir(env = process.env, here?: string): Promise<string | null> {
  const [{ resolve }, { fileURLToPath }] = await Promise.all([import('node:path'), import('node:url')]);
  here ??= fileURLToPath(new URL('.', import.meta.url));
  const candidates = [
    env.BERTH_RENDERER_DIR,
    resolve(here, '../../out/renderer'), // dist/chunks/*.mjs
    resolve(here, '../../../../out/renderer'), // helper/src/cli/commands/ui.ts
    resolve(process.cwd(), 'out/renderer'),
  ].filter((p): p is string => Boolean(p));
  return candidates.find((p) => existsSync(resolve(p, 'index.html'))) ?? null;
}


export const commands: Command[] = [
  {
    name: 'ui',
    summary: 'Open the Berth GUI (--web: in a browser, on 127.0.0.1 with a token URL)',
    options: {
      web: { type: 'boolean', description: 'Serve the GUI to a browser on 127.0.0.1 (prints a URL with an access token)' },
      port: { type: 'string', value: 'int', description: 'Port to listen on (default: any free one)' },
      'no-open': { type: 'boolean', description: "Don't open the URL in the desktop's browser" },
    },
    examples: ['berth ui --web', 'berth ui --web --port 7070 --no-open'],
    async run(ctx, args) {
      if (!args.values.web) {
        ctx.err('berth ui: the desktop app is started from its launcher (or `npm run dev`); use `berth ui --web` for the browser version');
        return 2;
      }
      const portText = (args.values.port as string | undefined) ?? '0';
      const port = Number(portText);
      if (!/^\d+$/.test(portText) || port > 65535) {
        ctx.err(`berth ui: invalid --port ${portText}`);
        return 2;
      }
      const rendererDir = await findRendererDir();
      if (!rendererDir) {
        ctx.err('berth ui: the GUI is not built (out/renderer/index.html missing); run `npx electron-vite build`');
        return 1;
      }
      let ui;
      try {
        // the web server (and ws) load only for this verb
        const { webUiMain } = await import('../../ui-main');
        ui = await webUiMain({ socketPath: ctx.socketPath, port, rendererDir });
      } catch (e) {
        ctx.err(`berth ui: cannot listen on 127.0.0.1:${port}: ${(e as Error).message}`);
        return 1;
      }
      ctx.out(`Berth web UI: ${ui.url}`);
      ctx.out('Open that URL (it carries the access token); Ctrl+C stops the server.');
      const hasDesktop = Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
      if (!args.values['no-open'] && hasDesktop && process.getuid?.() !== 0) ui.openInBrowser();
      await new Promise<void>((done) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          done();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await ui.close();
      return 0;
    },
  },
];
