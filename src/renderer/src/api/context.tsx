import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import type { BerthEvent } from '../../../shared/events';
import { staleMethods } from './invalidation';
import type { BerthTransport, HelperState } from './transport';

export interface LoggedEvent {
  seq: number;
  at: Date;
  event: BerthEvent;
}

interface BerthCtx {
  transport: BerthTransport;
  helper: HelperState;
  events: LoggedEvent[];
  progress: Extract<BerthEvent, { type: 'progress' }> | null;
}

const Ctx = createContext<BerthCtx | null>(null);
export const MAX_LOGGED_EVENTS = 1000;

export function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      // fresh until an event says otherwise: no polling, no refetch on focus
      queries: { staleTime: Infinity, refetchOnWindowFocus: false, retry: 1 },
      mutations: { retry: false },
    },
  });
}

export function BerthProvider({
  transport,
  client,
  children,
}: {
  transport: BerthTransport;
  client?: QueryClient;
  children: ReactNode;
}) {
  const qc = useMemo(() => client ?? makeQueryClient(), [client]);
  const [helper, setHelper] = useState<HelperState>({ state: 'starting', socket: '' });
  const [events, setEvents] = useState<LoggedEvent[]>([]);
  const [progress, setProgress] = useState<BerthCtx['progress']>(null);

  useEffect(() => {
    let seq = 0;
    const offEvent = transport.onEvent((event) => {
      const stale = new Set<string>(staleMethods(event));
      if (stale.size) void qc.invalidateQueries({ predicate: (q) => stale.has(String(q.queryKey[0])) });
      if (event.type === 'progress') setProgress(event.done >= event.total ? null : event);
      setEvents((prev) => {
        const next = [...prev, { seq: ++seq, at: new Date(), event }];
        return next.length > MAX_LOGGED_EVENTS ? next.slice(next.length - MAX_LOGGED_EVENTS) : next;
      });
    });
    const offState = transport.onState((s) => {
      setHelper(s);
      if (s.state === 'connected') {
        // (re)subscribe, then everything read before may be stale
        transport.call('events.subscribe', {}).catch(() => {});
        void qc.invalidateQueries();
      }
    });
    return () => {
      offEvent();
      offState();
    };
  }, [transport, qc]);

  const value = useMemo(() => ({ transport, helper, events, progress }), [transport, helper, events, progress]);
  return (
    <QueryClientProvider client={qc}>
      <Ctx.Provider value={value}>{children}</Ctx.Provider>
    </QueryClientProvider>
  );
}

export function useBerth(): BerthCtx {
  const c = useContext(Ctx);
  if (!c) throw new Error('useBerth outside <BerthProvider>');
  return c;
}
