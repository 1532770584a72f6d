import { useCallback } from 'react';
import { useMutation, useQueries, useQuery, useQueryClient, type UseQueryOptions, type UseQueryResult } from '@tanstack/react-query';
import type { BerthError } from '../../../shared/errors';
import type { MethodName, ParamsOf, ResultOf } from '../../../shared/methods';
import { useBerth } from './context';
import { staleAfter } from './invalidation';

// Query keys follow method names: [method, params].
export const queryKey = <M extends MethodName>(method: M, params: ParamsOf<M>) => [method, params ?? {}] as const;

export function useBerthQuery<M extends MethodName>(
  method: M,
  params: ParamsOf<M>,
  opts: Omit<UseQueryOptions<ResultOf<M>, BerthError>, 'queryKey' | 'queryFn'> = {},
) {
  const { transport, helper } = useBerth();
  return useQuery<ResultOf<M>, BerthError>({
    queryKey: queryKey(method, params),
    queryFn: () => transport.call(method, params),
    ...opts,
    enabled: helper.state === 'connected' && (opts.enabled ?? true),
  });
}

export function useBerthMutation<M extends MethodName>(method: M) {
  const { transport } = useBerth();
  const qc = useQueryClient();
  return useMutation<ResultOf<M>, BerthError, ParamsOf<M>>({
    mutationKey: [method],
    mutationFn: (params) => transport.call(method, params),
    onSettled: () => {
      const stale = new Set<string>(staleAfter(method));
      return qc.invalidateQueries({ predicate: (q) => stale.has(String(q.queryKey[0])) });
    },
  });
}

// One query per params, same method (port.list of every running container).
export function useBerthQueries<M extends MethodName>(
  method: M,
  paramsList: ParamsOf<M>[],
  opts: { staleTime?: number } = {},
): UseQueryResult<ResultOf<M>, BerthError>[] {
  const { transport, helper } = useBerth();
  return useQueries({
    queries: paramsList.map((params) => ({
      queryKey: queryKey(method, params),
      queryFn: () => transport.call(method, params),
      ...opts,
      enabled: helper.state === 'connected',
    })),
  }) as UseQueryResult<ResultOf<M>, BerthError>[];
}

// Starts a view's first call before the view asks (its nav item hovered or
// focused, or the helper just connected), so the view finds the answer cached
// or in flight under the same key. A cached answer no event made stale is not
// asked again, and one in flight is joined, not repeated.
export function useBerthPrefetch() {
  const { transport, helper } = useBerth();
  const qc = useQueryClient();
  const connected = helper.state === 'connected';
  return useCallback(
    // staleTime: an answer older than this is asked again (default: until an event makes it stale)
    <M extends MethodName>(method: M, params: ParamsOf<M>, staleTime?: number) => {
      if (connected) void qc.prefetchQuery({ queryKey: queryKey(method, params), queryFn: () => transport.call(method, params), staleTime });
    },
    [transport, qc, connected],
  );
}
