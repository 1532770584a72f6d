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
  beforeAll(async () => {
    host = await TestHost.create();
    await prepare(host);
    await host.startHelper(['--drift-interval', '3600000']);
    token = (await readFile(`${host.socket}.token`, 'utf8')).trim();
  }, 300_000);
  afterAll(async () => host?.destroy());
  return {
    get h() {
      return host;
    },
    authed: () => authedClient(host.socket, token),
    served: async () => {
      expect((await host.berth(['network', 'ls'])).code).toBe(0);
      expect(await host.alive(host.helperPid)).toBe(true);
    },
  };
}
