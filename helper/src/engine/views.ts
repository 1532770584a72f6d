import type { Container } from '../../../src/shared/container';
import type { Network } from '../../../src/shared/network';
import type { PortMapping } from '../../../src/shared/ports';
import type { ContainerRecord, EndpointRecord, NetworkRecord, State } from '../store/state';
import { gateway6, poolsOf } from '../store/network-pools';
import { exposedPorts } from '../portmap/spec';
import { limitsOf, logPath } from './containers';
import type { Engine } from './engine';
import { sandboxOf } from './sandbox-lifecycle';

// `docker network inspect`'s shape (docs/docker-behaviour.md, "Output shapes").
export function networkView(s: State, n: NetworkRecord): Network {
  const cfg: Network['IPAM']['Config'] = [];
  if (n.driver === 'bridge')
    for (const p of poolsOf(n)) {
      const c: Network['IPAM']['Config'][number] = { Subnet: p.subnet, Gateway: p.gateway };
      if (p.ipRange) c.IPRange = p.ipRange;
      if (Object.keys(p.auxAddresses).length) c.AuxiliaryAddresses = p.auxAddresses;
      cfg.push(c);
    }
  const v4 = (ep: EndpointRecord) => (ep.ip ? `${ep.ip}/${ep.prefixLen}` : '');
  const v6 = (ep: EndpointRecord) => (ep.ip6 ? `${ep.ip6}/${ep.prefixLen6}` : '');
  const containers: Network['Containers'] = {};
  for (const c of Object.values(s.containers))
    for (const ep of c.endpoints)
      if (ep.networkId === n.id)
        containers[c.id] = { Name: c.name, EndpointID: ep.id, MacAddress: ep.mac, IPv4Address: v4(ep), IPv6Address: v6(ep) };
  for (const f of Object.values(s.foreign))
    for (const ep of f.endpoints)
      if (ep.networkId === n.id)
        containers[f.id] = { Name: f.id, EndpointID: ep.id, MacAddress: ep.mac, IPv4Address: v4(ep), IPv6Address: v6(ep) };
  return {
    Name: n.name,
    Id: n.id,
    Created: n.created,
    Scope: 'local',
    Driver: n.driver,
    EnableIPv4: n.enableIPv4,
    EnableIPv6: n.enableIPv6,
    IPAM: { Driver: 'default', Options: n.predefined ? null : {}, Config: cfg },
    Internal: n.internal,
    Attachable: false,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: containers,
    Options: n.options,
    Labels: n.labels,
  };
}

export function containerView(eng: Engine, s: State, c: ContainerRecord, ports: PortMapping[]): Container {
  const networks: Container['NetworkSettings']['Networks'] = {};
  for (const want of c.networks) {
    const n = s.networks[want.networkId];
    if (!n) continue;
    const ep = c.endpoints.find((e) => e.networkId === n.id);
    networks[n.name] = {
      NetworkID: n.id,
      EndpointID: ep?.id ?? '',
      Gateway: ep ? n.gateway : '',
      IPAddress: ep?.ip ?? '',
      IPPrefixLen: ep?.prefixLen ?? 0,
      GlobalIPv6Address: ep?.ip6 ?? '',
      GlobalIPv6PrefixLen: ep?.prefixLen6 ?? 0,
      IPv6Gateway: ep?.ip6 ? gateway6(n) : '',
      MacAddress: ep?.mac ?? '',
      InterfaceName: ep?.ifname ?? '',
      Aliases: c.aliases?.[n.id] ?? null,
      IPAMConfig: want.staticIp || want.staticIp6 ? { ...(want.staticIp ? { IPv4Address: want.staticIp } : {}), ...(want.staticIp6 ? { IPv6Address: want.staticIp6 } : {}) } : null,
    };
  }
  if (c.networkMode === 'host' || c.networkMode === 'none') {
    const n = Object.values(s.networks).find((x) => x.name === c.networkMode);
    if (n) networks[n.name] = { NetworkID: n.id, EndpointID: '', Gateway: '', IPAddress: '', IPPrefixLen: 0, MacAddress: '', InterfaceName: '', IPAMConfig: null };
  }
  const portsView: Container['NetworkSettings']['Ports'] = {};
  const bindings: Container['HostConfig']['PortBindings'] = {};
  for (const p of ports) {
    const k = `${p.containerPort}/${p.proto}`;
    (portsView[k] ??= []).push({ HostIp: p.hostIp, HostPort: String(p.hostPort) });
    (bindings[k] ??= []).push({ HostIp: p.hostIp, HostPort: String(p.hostPort) });
  }
  // --expose takes ranges and a default proto ("4000-4001/udp", "3000"): one
  // key per port, as Docker's nat.PortSet; a bound port keeps its bindings.
  const exposed = exposedPorts({ expose: c.expose }).map((e) => `${e.port}/${e.proto}`);
  for (const k of exposed) if (!(k in portsView)) portsView[k] = null;
  const running = c.state.status === 'running' || c.state.status === 'degraded';
  const sb = sandboxOf(s, c);
  return {
    Id: c.id,
    Name: `/${c.name}`,
    Created: c.created,
    Path: c.cmd[0],
    Args: c.cmd.slice(1),
    State: {
      Status: c.state.status,
      Running: running,
      Pid: running ? c.state.pid : 0,
      ExitCode: c.state.exitCode,
      StartedAt: c.state.startedAt || '0001-01-01T00:00:00Z',
      FinishedAt: c.state.finishedAt || '0001-01-01T00:00:00Z',
      Error: c.state.error,
    },
    Config: {
      Hostname: c.hostname,
      Cmd: c.cmd,
      Env: c.env,
      User: String(c.uid),
      WorkingDir: c.workdir,
      ExposedPorts: Object.fromEntries([...exposed, ...ports.map((p) => `${p.containerPort}/${p.proto}`)].map((k) => [k, {}])),
      Labels: c.labels ?? {},
      Tty: c.tty === true,
      OpenStdin: c.stdin === true,
    },
    HostConfig: {
      NetworkMode: c.networkMode.startsWith('container:') ? `container:${c.networkMode.slice(10)}` : c.networkMode,
      PortBindings: bindings,
      PublishAllPorts: c.publishAll,
      AutoRemove: c.autoRemove,
      Dns: c.dns ?? [],
      DnsSearch: c.dnsSearch ?? [],
      ExtraHosts: c.extraHosts ?? [],
      LogConfig: { Type: 'json-file', Config: logOpts(c) },
    },
    NetworkSettings: {
      SandboxKey: running && sb ? sb.path : '',
      Ports: portsView,
      Networks: networks,
    },
    LogPath: logPath(eng, c.id),
    ResolvConfPath: c.networkMode === 'host' ? '/etc/resolv.conf' : `${eng.opts.etcDir}/${c.networkMode.startsWith('container:') ? c.networkMode.slice(10) : c.id}/resolv.conf`,
    HostsPath: c.networkMode === 'host' ? '/etc/hosts' : `${eng.opts.etcDir}/${c.networkMode.startsWith('container:') ? c.networkMode.slice(10) : c.id}/hosts`,
  };
}

// The caps in force (docs/logs.md: Berth's defaults when none were given), as
// Docker's --log-opt strings: "max-size": "10m", "max-file": "3".
function logOpts(c: ContainerRecord): Record<string, string> {
  const l = limitsOf(c);
  const unit = ([['g', 1024 ** 3], ['m', 1024 ** 2], ['k', 1024]] as const).find(([, n]) => l.maxSize % n === 0);
  // keys in Go's map order (sorted), so `{{json .HostConfig.LogConfig}}` prints as Docker's
  return { 'max-file': String(l.maxFile), 'max-size': unit ? `${l.maxSize / unit[1]}${unit[0]}` : String(l.maxSize) };
}
