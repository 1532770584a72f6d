import { BrowserWindow, nativeImage, nativeTheme } from 'electron';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { hardenContents } from './security';
import { ICON_PNG_BASE64 } from './icon';

export const appIcon = () => nativeImage.createFromBuffer(Buffer.from(ICON_PNG_BASE64, 'base64'));

export function createMainWindow(outDir: string, devUrl: string | undefined): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 880,
    minHeight: 560,
    show: false,
    title: 'Berth',
    icon: appIcon(),
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#1e1f22' : '#ffffff',
    autoHideMenuBar: false,
    webPreferences: {
      preload: join(outDir, 'preload', 'index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  });
  const indexFile = join(outDir, 'renderer', 'index.html');
  const ownPrefix = devUrl ?? pathToFileURL(indexFile).href;
  hardenContents(win.webContents, (url) => url === ownPrefix || url.startsWith(ownPrefix.replace(/index\.html$/, '') + '#') || url.split('#')[0] === ownPrefix);
  win.once('ready-to-show', () => win.show());
  if (devUrl) void win.loadURL(devUrl);
  else void win.loadFile(indexFile);
  return win;
}
