import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';
import type { Plugin } from 'vite';
import { CSP } from './src/main/csp';

// The built index.html carries the CSP itself (Electron file:// and web mode);
// the dev server's inline React preamble would not pass it, so build only.
const cspMeta = (): Plugin => ({
  name: 'berth-csp-meta',
  apply: 'build',
  transformIndexHtml: (html) => html.replace('<meta charset="UTF-8" />', `<meta charset="UTF-8" />\n    <meta http-equiv="Content-Security-Policy" content="${CSP}" />`),
});

// Three targets, electron-vite conventions (src/main, src/preload, src/renderer/index.html).
export default defineConfig({
  main: {},
  preload: {
    build: {
      // The window runs with sandbox: true, so the preload must be ONE
      // CommonJS file whose only import is `electron` (zod and the method
      // list from src/shared are bundled into it).
      externalizeDeps: false,
      rolldownOptions: {
        external: ['electron'],
        output: { format: 'cjs', entryFileNames: '[name].cjs', codeSplitting: false },
      },
    },
  },
  renderer: {
    root: resolve('src/renderer'),
    resolve: { alias: { '@renderer': resolve('src/renderer/src') } },
    plugins: [react(), cspMeta()],
    build: {
      outDir: resolve('out/renderer'),
      // no inline scripts or styles: the CSP forbids them
      assetsInlineLimit: 0,
      minify: true,
      sourcemap: false,
      modulePreload: { polyfill: false },
    },
  },
});
