// Composition root of the Electron main process.
import { app, BrowserWindow, dialog, Menu, session } from 'electron';
import { execFile } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sudo from 'sudo-prompt';
import { connectHelper, resolveSocket } from '../../helper/src/client/unix-client';
import { HelperConnection } from './helper-connection';
import { findNode, helperScriptPath, installedFromPackage, makeLauncher, makePkexecLauncher } from './helper-launcher';
import { registerIpc } from './ipc';
import { buildAppMenu } from './menu';
import { applyCsp } from './security';
import { BerthTray, stateLabel } from './tray';
import { createMainWindow } from './window';

const ROOT_MESSAGE =
  'Berth must not run as root. Start it as your normal user; it asks for administrator rights only to start its helper.';

if (typeof process.getuid === 'function' && process.getuid() === 0) {
  console.error(ROOT_MESSAGE);
  dialog.showErrorBox('Berth', ROOT_MESSAGE);
  app.exit(1);
} else {
  main();
}

function main(): void {
  const outDir = resolve(dirname(fileURLToPath(import.meta.url)), '..'); // out/
  const devUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined;
  const socketPath = resolveSocket();
  const uid = process.getuid?.() ?? 0;

  app.enableSandbox();
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }

  // the package's helper through its polkit action; else (a clone, an
  // AppImage) this app's own bundled helper through sudo-prompt
  const launch = installedFromPackage()
    ? makePkexecLauncher((file, args, cb) => void execFile(file, args, cb), () => ({ uid, socket: socketPath }))
    : makeLauncher(sudo.exec as never, () => {
        const node = findNode();
        if (!node) throw new Error('no Node.js found in /usr/bin or /usr/local/bin; install nodejs to run the helper');
        return { node, script: helperScriptPath(app.getAppPath(), app.isPackaged ? process.resourcesPath : undefined), uid, socket: socketPath };
      });
  const conn = new HelperConnection({ socketPath, connect: (p) => connectHelper(p, { client: 'gui' }), launch });

  let win: BrowserWindow | null = null;
  let tray: BerthTray | null = null;
  const show = () => {
    if (!win || win.isDestroyed()) win = createMainWindow(outDir, devUrl);
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  };
  const startHelper = () => void conn.launchHelper();

  registerIpc(() => win, conn);

  app.on('second-instance', show);
  app.on('window-all-closed', () => app.quit());
  // a helper the app started through its prompt goes with it; the package's
  // socket-activated service stays (docs/install.md)
  const stopHelperOnQuit = !installedFromPackage();
  let stopping = false;
  app.on('before-quit', (ev) => {
    if (stopHelperOnQuit && !stopping) {
      stopping = true;
      ev.preventDefault();
      void conn.stopLaunchedHelper().finally(() => app.quit());
      return;
    }
    conn.stop();
    tray?.destroy();
  });
  app.on('web-contents-created', (_e, wc) => {
    wc.on('will-attach-webview', (ev) => ev.preventDefault());
  });

  void app.whenReady().then(async () => {
    applyCsp(session.defaultSession, Boolean(devUrl));
    Menu.setApplicationMenu(buildAppMenu({ startHelper, reconnect: () => void conn.start(), dev: Boolean(devUrl) }));
    try {
      tray = new BerthTray({ show, startHelper, quit: () => app.quit() });
    } catch {
      tray = null; // no tray on this desktop
    }
    conn.onState((s) => {
      tray?.update(s);
      win?.setTitle(`Berth — ${stateLabel(s)}`);
    });
    tray?.update(conn.state);
    show();
    const first = await conn.start();
    if (first.state === 'not-running' && win && !process.env.BERTH_NO_PROMPT) {
      const r = await dialog.showMessageBox(win, {
        type: 'question',
        buttons: ['Start Helper', 'Not Now'],
        defaultId: 0,
        cancelId: 1,
        title: 'Berth helper',
        message: 'The Berth helper is not running.',
        detail: `Berth needs its helper (running as root) to manage networks. Start it now? You will be asked for an administrator password.\n\nSocket: ${socketPath}`,
      });
      if (r.response === 0) startHelper();
    }
  });
}
