import { BerthError } from '../../../shared/errors';
import type { BerthBridge } from '../../../preload/bridge';
import type { BerthTransport } from './transport';

// Electron: window.berth from the preload; unwraps the IPC envelope.
export function ipcTransport(bridge: BerthBridge): BerthTransport {
  return {
    kind: 'electron',
    async call(method, params) {
      const r = await bridge.call(method, params);
      if (r.ok) return r.value;
      throw new BerthError(r.error.kind, r.error.message);
    },
    onEvent: (cb) => bridge.onEvent(cb),
    onState: (cb) => bridge.onState(cb),
    openPortUrl: (url) => bridge.openPortUrl(url),
  };
}
