// Test helpers: a transport answering from a handler table, and a render
// wrapper with the provider (connected) and a fresh query client.
import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { BerthError } from '../../shared/errors';
import type { BerthEvent } from '../../shared/events';
import type { MethodName } from '../../shared/methods';
import { BerthProvider, makeQueryClient } from './api/context';
import type { BerthTransport, HelperState } from './api/transport';

export type Handlers = Partial<Record<MethodName, (params: any) => unknown>>;

export function fakeTransport(handlers: Handlers, state: HelperState = { state: 'connected', socket: '/test.sock' }) {
  const calls: { method: MethodName; params: unknown }[] = [];
  const eventCbs = new Set<(e: BerthEvent) => void>();
  const transport: BerthTransport = {
    kind: 'web',
    async call(method, params) {
      calls.push({ method, params });
      const h = handlers[method];
      if (method === 'events.subscribe' && !h) return { subscribed: true } as never;
      if (!h) throw new BerthError('not_found', `no handler for ${method}`);
      return (await h(params)) as never;
    },
    onEvent(cb) {
      eventCbs.add(cb);
      return () => eventCbs.delete(cb);
    },
    onState(cb) {
      cb(state);
      return () => {};
    },
  };
  return { transport, calls, emit: (e: BerthEvent) => eventCbs.forEach((cb) => cb(e)) };
}

export function renderWith(ui: ReactElement, transport: BerthTransport) {
  const client = makeQueryClient();
  client.setDefaultOptions({ queries: { ...client.getDefaultOptions().queries, retry: false } });
  return render(
    <BerthProvider transport={transport} client={client}>
      {ui}
    </BerthProvider>,
  );
}

export const network = (name: string, subnet: string, extra: Record<string, unknown> = {}) => ({
  Name: name,
  Id: `${name}-id-0123456789abcdef`,
  Created: new Date().toISOString(),
  Scope: 'local' as const,
  Driver: 'bridge' as const,
  EnableIPv4: true,
  EnableIPv6: false,
  IPAM: { Driver: 'default' as const, Options: null, Config: [{ Subnet: subnet, Gateway: subnet.replace(/0\/\d+$/, '1') }] },
  Internal: false,
  Attachable: false,
  Ingress: false,
  ConfigFrom: { Network: '' },
  ConfigOnly: false,
  Containers: {},
  Options: { 'com.docker.network.bridge.name': `br-${name}` },
  Labels: {},
  ...extra,
});

// A helper that stops answering some calls: while `down` is set, the calls
// `when` picks are refused as the transport refuses them when nobody answers.
export function outage(transport: BerthTransport, when: (method: MethodName, params: any) => boolean) {
  const state = { down: false };
  const call = transport.call.bind(transport);
  transport.call = (method, params) => (state.down && when(method, params) ? Promise.reject(new BerthError('unavailable', 'the helper did not answer')) : call(method, params));
  return state;
}
