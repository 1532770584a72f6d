// Developer aid: `npx vite-node e2e/support/dev-web.ts` or via vitest — a fake
// helper plus the web UI on a fixed port, for looking at the GUI by hand.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startWebUi } from '../../helper/src/webui/server';
import { startFakeHelper } from './fake-helper';

const dir = mkdtempSync(join(tmpdir(), 'berth-dev-'));
const socketPath = join(dir, 'berth.sock');
await startFakeHelper(socketPath);
const ui = await startWebUi({ socketPath, rendererDir: resolve('out/renderer'), port: Number(process.env.PORT ?? 0) });
console.log(ui.url);
