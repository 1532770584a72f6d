import type { FirewallModel } from './model';

// A dual-stack model for the ip6 table's tests (nft-render.test.ts): an
// open network with two IPv6 subnets, an internal one with two, an
// IPv6-only one with icc off, and ports published on [::] and on an
// IPv6 host address.
const id = (c: string) => c.repeat(12) + '0'.repeat(52);
export const M6: FirewallModel = {
  networks: [
    { id: id('a'), bridge: 'br-a', subnet: '10.1.0.0/24', extraPools: [{ subnet: 'fd00:1::/64' }, { subnet: 'fd00:1:0:1::/64' }], internal: false, icc: true, masquerade: true },
    { id: id('b'), bridge: 'br-b', subnet: '', extraPools: [{ subnet: 'fd00:2::/64' }], internal: false, icc: false, masquerade: true },
    { id: id('c'), bridge: 'br-c', subnet: '10.3.0.0/24', extraPools: [{ subnet: 'fd00:3::/64' }, { subnet: 'fd00:3:0:1::/64' }], internal: true, icc: true, masquerade: true },
  ],
  endpoints: [
    { id: id('e'), bridge: 'br-a', ip: '10.1.0.2', ip6: 'fd00:1::2', internal: false },
    { id: id('f'), bridge: 'br-b', ip: '', ip6: 'fd00:2::2', internal: false },
    { id: id('9'), bridge: 'br-c', ip: '10.3.0.2', ip6: 'fd00:3::2', internal: true },
  ],
  ports: [
    { endpointId: 'eeeeeeeeeeee', bridge: 'br-a', containerIp: '10.1.0.2', hostIp: '0.0.0.0', hostPort: 8080, containerPort: 80, proto: 'tcp' },
    { endpointId: 'eeeeeeeeeeee', bridge: 'br-a', containerIp: 'fd00:1::2', hostIp: '::', hostPort: 8080, containerPort: 80, proto: 'tcp' },
    { endpointId: 'ffffffffffff', bridge: 'br-b', containerIp: 'fd00:2::2', hostIp: 'fd00:0:0:0::77', hostPort: 53, containerPort: 53, proto: 'udp' },
  ],
};
