// A small known topology for the unit tests: front (masquerade), back
// (internal, no icc), the default bridge; web on front with ports, api on
// front and back, a stopped worker on bridge, a foreign netns on front.
import type { Container, ForeignSandbox } from '../../../../shared/container';
import type { HostInspectAnswer } from '../../../../shared/inspect';
import type { Network } from '../../../../shared/network';

export const netFx = (name: string, subnet: string, extra: Partial<Network> = {}): Network => ({
  Name: name,
  Id: `${name}`.padEnd(12, '0') + '0123456789abcdef',
  Created: '2026-01-01T00:00:00Z',
  Scope: 'local',
  Driver: 'bridge',
  EnableIPv4: true,
  EnableIPv6: false,
  IPAM: { Driver: 'default', Options: null, Config: [{ Subnet: subnet, Gateway: subnet.replace(/0\/\d+$/, '1') }] },
  Internal: false,
  Attachable: false,
  Ingress: false,
  ConfigFrom: { Network: '' },
  ConfigOnly: false,
  Containers: {},
  Options: { 'com.docker.network.bridge.name': name === 'bridge' ? 'berth0' : `br-${name}` },
  Labels: {},
  ...extra,
});

export const ctrFx = (name: string, nets: { net: Network; ip: string; eth: string }[], opts: { running?: boolean; ports?: Container['NetworkSettings']['Ports'] } = {}): Container => {
  const running = opts.running ?? true;
  const id = `${name}`.padEnd(12, 'c') + 'fedcba9876543210';
  const c: Container = {
    Id: id, Name: `/${name}`, Created: '', Path: 'sleep', Args: ['300'],
    State: { Status: running ? 'running' : 'exited', Running: running, Pid: running ? 4242 : 0, ExitCode: running ? 0 : 137, StartedAt: '', FinishedAt: '', Error: '' },
    Config: { Hostname: name, Cmd: ['sleep', '300'], Env: [], User: '', WorkingDir: '', ExposedPorts: {} },
    HostConfig: { NetworkMode: nets[0]?.net.Name ?? 'none', PortBindings: {}, PublishAllPorts: false, AutoRemove: false },
    NetworkSettings: { SandboxKey: `/run/netns/berth-${id.slice(0, 12)}`, Ports: opts.ports ?? {}, Networks: {} },
    LogPath: '',
  };
  for (const { net, ip, eth } of nets) {
    const eid = `ep-${name}-${net.Name}`.padEnd(16, 'e') + '0123456789';
    c.NetworkSettings.Networks[net.Name] = {
      NetworkID: net.Id, EndpointID: eid, Gateway: net.IPAM.Config[0].Gateway ?? '', IPAddress: ip, IPPrefixLen: 24, MacAddress: '02:42:00:00:00:01', InterfaceName: eth, IPAMConfig: null,
    };
    if (running) net.Containers[id] = { Name: name, EndpointID: eid, MacAddress: '02:42:00:00:00:01', IPv4Address: `${ip}/24`, IPv6Address: '' };
  }
  return c;
};

export function fixture() {
  const front = netFx('front', '10.1.0.0/24');
  const back = netFx('back', '10.2.0.0/24', { Internal: true, Options: { 'com.docker.network.bridge.name': 'br-back', 'com.docker.network.bridge.enable_icc': 'false' } });
  const bridge = netFx('bridge', '172.17.0.0/16');
  const web = ctrFx('web', [{ net: front, ip: '10.1.0.2', eth: 'eth0' }], { ports: { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }, { HostIp: '::', HostPort: '8080' }], '443/tcp': [{ HostIp: '127.0.0.1', HostPort: '8443' }] } });
  const api = ctrFx('api', [{ net: front, ip: '10.1.0.3', eth: 'eth0' }, { net: back, ip: '10.2.0.2', eth: 'eth1' }]);
  const worker = ctrFx('worker', [{ net: bridge, ip: '172.17.0.2', eth: 'eth0' }], { running: false });
  front.Containers['ns-dev'] = { Name: 'dev-ns', EndpointID: 'ep-dev-front'.padEnd(24, 'f'), MacAddress: '02:42:0a:00:00:09', IPv4Address: '10.1.0.9/24', IPv6Address: '' };
  const foreign: ForeignSandbox[] = [{ source: 'netns', id: 'ns-dev', name: 'dev-ns', pid: null, netnsPath: '/run/netns/dev-ns', status: 'present', addresses: ['10.1.0.9/24'], attachedNetworks: ['front'] }];
  const veth = (name: string, master: string, peer: string, eid: string) => ({
    ifindex: 0, name, kind: 'veth', state: 'UP', mtu: 1500, mac: '', master, peer, alias: `berth:${eid.slice(0, 12)}`, addresses: [], owner: 'berth' as const, ownerEvidence: '',
  });
  const host: HostInspectAnswer = {
    takenAt: '',
    links: [
      { ifindex: 1, name: 'lo', kind: 'loopback', state: 'UNKNOWN', mtu: 65536, mac: '', master: null, peer: null, alias: null, addresses: ['127.0.0.1/8'], owner: 'system', ownerEvidence: '' },
      { ifindex: 2, name: 'eth0', kind: 'device', state: 'UP', mtu: 1500, mac: '', master: null, peer: null, alias: null, addresses: ['192.168.1.10/24', 'fe80::1/64'], owner: 'system', ownerEvidence: '' },
      { ifindex: 3, name: 'br-front', kind: 'bridge', state: 'UP', mtu: 1500, mac: '', master: null, peer: null, alias: null, addresses: ['10.1.0.1/24'], owner: 'berth', ownerEvidence: '' },
      veth('vethaaa0001', 'br-front', `eth0@berth-${web.Id.slice(0, 12)}`, web.NetworkSettings.Networks.front.EndpointID),
      // found by bridge + peer, without the alias
      { ...veth('vethbbb0002', 'br-back', `eth1@berth-${api.Id.slice(0, 12)}`, 'x'), alias: null },
      veth('vethddd0004', 'br-front', 'eth1@dev-ns', front.Containers['ns-dev'].EndpointID),
    ],
    routes: [{ dst: 'default', gateway: '192.168.1.1', dev: 'eth0', scope: null, protocol: 'dhcp' }],
    netns: [], sockets: [], rules: [], nftTables: [], errors: [],
  };
  return { networks: [bridge, back, front], containers: [worker, web, api], foreign, host, front, back, bridge, web, api, worker };
}
