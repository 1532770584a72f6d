import type { BerthBridge } from './bridge';

declare global {
  interface Window {
    // Present in the Electron app (preload), absent in web mode (a browser tab).
    berth?: BerthBridge;
  }
}
export {};
