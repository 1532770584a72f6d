import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, expect } from 'vitest';
import { authedClient } from '../../helper/src/testing/raw-rpc-client';
import { TestHost } from './harness';

// One real helper for a describe block whose tests speak raw JSON-RPC to it
// (hostile and limit tests): a throwaway host, `prepare` before the helper
// starts, the socket's token, and "is everyone else still served".
export function helperRig(prepare: (h: TestHost) => Promise<void> = async () => {}) {
  let host: TestHost;
  let token: string;
  // a new start writes a new token
  const start = async () => {
    await host.startHelper(['--drift-interval', '3600000']);
    token = (await readFile(`${host.socket}.token`, 'utf8')).trim();
  };
  beforeAll(async () => {
    host = await TestHost.create();
    await prepare(host);
    await start();
  }, 300_000);
  afterAll(async () => host?.destroy());
  return {
    get h() {
      return host;
    },
    // for a test that ends the helper: the next one (in any order) finds one running
    restart: async () => {
      await host.stopHelper('SIGKILL');
      await start();
    },
    authed: () => authedClient(host.socket, token),
    served: async () => {
      expect((await host.berth(['network', 'ls'])).code).toBe(0);
      expect(await host.alive(host.helperPid)).toBe(true);
    },
  };
}
