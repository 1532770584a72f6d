import { invalid } from '../../../src/shared/errors';
import { hostNameservers, hostSearch, writeEtc, type ContainerDns } from '../dns/files';
import type { EtcFiles } from '../kernel/process';
import type { ContainerRecord, State } from '../store/state';
import type { Engine } from './engine';
import { modeOf } from './sandbox-lifecycle';
import { readFile } from 'node:fs/promises';

// A container's name-resolution settings and its own /etc files (docs/dns.md).

// --add-host NAME:IP (or NAME=IP), host-gateway meaning the network's gateway, as Docker's.
export function parseExtraHosts(list: string[], gateway: string | null): string[] {
  return list.map((h) => {
    const i = Math.max(h.lastIndexOf(':'), h.lastIndexOf('='));
    const name = h.slice(0, i);
    let ip = h.slice(i + 1);
    if (ip === 'host-gateway') {
      if (!gateway) throw invalid(`--add-host ${h}: host-gateway needs a bridge network`);
      ip = gateway;
    }
    return `${name}:${ip}`;
  });
}

// Checks and records --network-alias, --dns, --dns-search and --add-host on a new container.
export function applyDnsOptions(s: State, c: ContainerRecord, p: { networkAliases: string[]; dns: string[]; dnsSearch: string[]; extraHosts: string[] }): void {
  const first = c.networks[0] ? s.networks[c.networks[0].networkId] : undefined;
  if (p.networkAliases.length) {
    if (!first || first.predefined) throw invalid('network-scoped alias is supported only for containers in user defined networks');
    c.aliases = { [first.id]: p.networkAliases };
  }
  c.dns = p.dns;
  c.dnsSearch = p.dnsSearch;
  c.extraHosts = parseExtraHosts(p.extraHosts, first?.gateway || null);
}

// Writes the files a container starts with and says where they are; null in
// network mode host (the host's own files, as Docker's), the donor's in container: mode.
export async function containerEtc(eng: Engine, s: State, c: ContainerRecord): Promise<EtcFiles | null> {
  const m = modeOf(c);
  if (m.kind === 'host') return null;
  const owner = m.kind === 'container' ? s.containers[m.donorId] : c;
  if (!owner) return null;
  if (m.kind === 'container') return { resolvConf: `${eng.opts.etcDir}/${owner.id}/resolv.conf`, hosts: `${eng.opts.etcDir}/${owner.id}/hosts` };
  const ep = owner.endpoints[0];
  const net = ep ? s.networks[ep.networkId] : undefined;
  const hostText = await readFile('/etc/resolv.conf', 'utf8').catch(() => '');
  const d: ContainerDns = {
    // every bridge network has the helper's DNS server on its gateway; names resolve on user-defined ones
    nameserver: net?.driver === 'bridge' && net.gateway ? net.gateway : null,
    upstreams: owner.dns?.length ? owner.dns : await hostNameservers(),
    search: owner.dnsSearch?.length ? owner.dnsSearch : hostSearch(hostText),
    hostname: owner.hostname,
    ip: ep?.ip ?? null,
    extraHosts: (owner.extraHosts ?? []).map((h) => {
      const i = h.lastIndexOf(':');
      return { name: h.slice(0, i), ip: h.slice(i + 1) };
    }),
  };
  return writeEtc(eng.opts.etcDir, owner.id, d);
}
