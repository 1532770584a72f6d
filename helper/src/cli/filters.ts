import type { Container } from '../../../src/shared/container';
import type { Network } from '../../../src/shared/network';
import { UsageError } from './command';
export { NETWORK_FILTERS, PS_FILTERS } from './filter-keys';

// Docker's --filter KEY=VALUE (repeatable): values of one key are OR'ed,
// different keys AND'ed. `name` and `id` match part of the value (Docker
// matches them as regular expressions), `label` is KEY or KEY=VALUE.
export type Filters = Map<string, string[]>;

export function parseFilters(list: string[], allowed: string[]): Filters {
  const f: Filters = new Map();
  for (const raw of list) {
    const i = raw.indexOf('=');
    if (i <= 0) throw new UsageError(`bad format of filter (expected name=value): ${raw}`, 1);
    const key = raw.slice(0, i).trim().toLowerCase();
    if (!allowed.includes(key)) throw new UsageError(`invalid filter '${key}'`, 1);
    f.set(key, [...(f.get(key) ?? []), raw.slice(i + 1)]);
  }
  return f;
}

function matches(pattern: string, value: string): boolean {
  try {
    return new RegExp(pattern).test(value);
  } catch {
    return value.includes(pattern);
  }
}

const labelMatch = (labels: Record<string, string>, want: string) => {
  const i = want.indexOf('=');
  return i < 0 ? want in labels : labels[want.slice(0, i)] === want.slice(i + 1);
};

// Every value of every key must be satisfied by one of that key's values.
const all = (f: Filters, test: (key: string, value: string) => boolean) =>
  [...f].every(([k, vs]) => (k === 'label' ? vs.every((v) => test(k, v)) : vs.some((v) => test(k, v))));

const STATUSES = ['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead'];

export function filterContainers(cs: Container[], f: Filters): Container[] {
  for (const s of f.get('status') ?? [])
    if (!STATUSES.includes(s)) throw new UsageError(`invalid filter 'status=${s}'`, 1);
  return cs.filter((c) =>
    all(f, (k, v) => {
      const name = c.Name.replace(/^\//, '');
      switch (k) {
        case 'id':
          return c.Id.startsWith(v) || matches(v, c.Id);
        case 'name':
          return matches(v, `/${name}`) || matches(v, name);
        case 'label':
          return labelMatch(c.Config.Labels ?? {}, v);
        case 'network':
          return Object.entries(c.NetworkSettings.Networks).some(([n, ep]) => n === v || (v.length >= 3 && ep.NetworkID.startsWith(v)));
        case 'status':
          // 'degraded' is Berth's running-with-part-of-its-network-missing
          return (c.State.Status === 'degraded' ? 'running' : c.State.Status) === v;
        case 'exited':
          return c.State.Status === 'exited' && String(c.State.ExitCode) === v;
        default:
          return false;
      }
    }),
  );
}

const BUILTIN = ['bridge', 'host', 'none'];

export function filterNetworks(ns: Network[], f: Filters): Network[] {
  for (const t of f.get('type') ?? [])
    if (t !== 'custom' && t !== 'builtin') throw new UsageError(`invalid filter: 'type'='${t}'`, 1);
  return ns.filter((n) =>
    all(f, (k, v) => {
      switch (k) {
        case 'id':
          return n.Id.startsWith(v) || matches(v, n.Id);
        case 'name':
          return matches(v, n.Name);
        case 'label':
          return labelMatch(n.Labels, v);
        case 'driver':
          return n.Driver === v;
        case 'scope':
          return n.Scope === v;
        case 'type':
          return (BUILTIN.includes(n.Name) ? 'builtin' : 'custom') === v;
        default:
          return false;
      }
    }),
  );
}
