// Window hardening in one place: CSP, navigation, new windows, external links.
import { shell, type Session, type WebContents } from 'electron';
import { CSP } from './csp';

export { CSP };

// The vite dev server needs its inline preamble and HMR socket.
export const DEV_CSP = CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")
  .replace("connect-src 'self'", "connect-src 'self' ws://localhost:* ws://127.0.0.1:*");

// External links Berth itself builds; anything else is dropped.
export const EXTERNAL_LINKS = {
  dockerNetworking: 'https://docs.docker.com/engine/network/',
  dockerBridge: 'https://docs.docker.com/engine/network/drivers/bridge/',
  libnetwork: 'https://github.com/moby/moby/tree/master/libnetwork',
} as const;
const ALLOWED = new Set<string>(Object.values(EXTERNAL_LINKS));

export function openExternalIfBuiltByBerth(url: string): boolean {
  if (!ALLOWED.has(url)) return false;
  void shell.openExternal(url);
  return true;
}

export function applyCsp(session: Session, dev: boolean): void {
  session.webRequest.onHeadersReceived((details, cb) => {
    cb({
      responseHeaders: {
        ...details.responseHeaders,
        'Content-Security-Policy': [dev ? DEV_CSP : `${CSP}; frame-ancestors 'none'`],
        'X-Content-Type-Options': ['nosniff'],
      },
    });
  });
  // the renderer asks for nothing: no camera, notifications, geolocation, ...
  session.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
  session.setPermissionCheckHandler(() => false);
}

export function hardenContents(wc: WebContents, isOwnUrl: (url: string) => boolean): void {
  wc.setWindowOpenHandler(({ url }) => {
    openExternalIfBuiltByBerth(url);
    return { action: 'deny' };
  });
  wc.on('will-navigate', (e, url) => {
    if (!isOwnUrl(url)) {
      e.preventDefault();
      openExternalIfBuiltByBerth(url);
    }
  });
  wc.on('will-redirect', (e, url) => {
    if (!isOwnUrl(url)) e.preventDefault();
  });
  wc.on('will-attach-webview', (e) => e.preventDefault());
}
