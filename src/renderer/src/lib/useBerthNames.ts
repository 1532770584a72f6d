import { useMemo } from 'react';
import { useBerthQuery } from '../api/hooks';
import { berthNames, type BerthObject } from './berth-names';

// The names of Berth's objects by tag, from the lists every view already reads.
export function useBerthNames(): Map<string, BerthObject> {
  const networks = useBerthQuery('network.list', {});
  const containers = useBerthQuery('container.list', { all: true });
  return useMemo(() => berthNames(networks.data, containers.data), [networks.data, containers.data]);
}
