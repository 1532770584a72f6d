import { describe, expect, it } from 'vitest';
import { ConnectParams, DisconnectParams, NetworkCreateParams } from '../../../src/shared/network';
import { bridgeNetwork, container, memoryEngine, stateOf } from '../testing/memory-engine';
import { recordingKernel } from '../testing/recording-kernel';
import { connect, disconnect } from './connect';
import { createNetwork, removeNetwork } from './networks';
import { berthLinkMac } from '../../../src/shared/link-mark';

// What the engine decides for network create/remove and connect/disconnect,
// without root: the kernel is a recording fake (testing/recording-kernel.ts),
// so each test reads the ip lines and sysctls the engine asked for, and what
// it kept in the store. The integration suite runs the same operations on
// the real kernel.
const create = (p: NetworkCreateParams) => NetworkCreateParams.parse(p);
// the operation fails with this kind of BerthError and message
const refused = (op: Promise<unknown>, kind: string, message: string | RegExp) =>
  expect(op).rejects.toMatchObject({ kind, message: typeof message === 'string' ? message : expect.stringMatching(message) });
const red = bridgeNetwork('red', '10.1.0.0/24');
const blue = bridgeNetwork('blue', '10.2.0.0/24');
const web = container('web', [red], { running: true });

describe('network create', () => {
  it('one ip batch makes the bridge with its gateway address and alias; the store keeps the network', async () => {
    const { engine, store, kernel } = memoryEngine();
    const net = await createNetwork(engine, create({ name: 'demo', subnet: '10.9.0.0/24' }));
    expect(net).toMatchObject({ subnet: '10.9.0.0/24', gateway: '10.9.0.1', bridge: `br-${net.id.slice(0, 12)}` });
    expect(kernel.calls).toEqual([
      `ip: link add name ${net.bridge} address ${berthLinkMac(net.bridge)} type bridge`,
      `ip: addr add 10.9.0.1/24 dev ${net.bridge}`,
      expect.stringMatching(new RegExp(`^ip: link set dev ${net.bridge} alias berth:\\S+ up$`)),
    ]);
    expect(store.load().networks[net.id]).toEqual(net);
  });

  it("an automatic subnet skips one the host already routes (someone's docker0)", async () => {
    const kernel = recordingKernel({ routes: [{ dst: '172.17.0.0/16', dev: 'docker0' }] as never });
    const { engine } = memoryEngine(undefined, { kernel });
    const net = await createNetwork(engine, create({ name: 'auto' }));
    expect(net.subnet).toBe('172.18.0.0/16');
  });

  it('a bridge name the user chose that the host already has is refused before anything changes', async () => {
    const { engine, store, kernel } = memoryEngine();
    kernel.links.get('')!.add('mybr');
    await refused(createNetwork(engine, create({ name: 'x', options: { 'com.docker.network.bridge.name': 'mybr' } })), 'conflict', 'a link named mybr already exists on the host');
    expect(kernel.calls).toEqual([]);
    expect(store.saves).toBe(0);
  });

  it('enable_icc=false turns bridge-nf-call-iptables on, once, and says so', async () => {
    const { engine, kernel } = memoryEngine();
    await createNetwork(engine, create({ name: 'a', options: { 'com.docker.network.bridge.enable_icc': 'false' } }));
    await createNetwork(engine, create({ name: 'b', options: { 'com.docker.network.bridge.enable_icc': 'false' } }));
    expect(kernel.calls.filter((c) => c.startsWith('sysctl'))).toEqual(['sysctl net.bridge.bridge-nf-call-iptables=1']);
    expect(engine.hostChanges).toEqual(['net.bridge.bridge-nf-call-iptables set to 1 (needed for enable_icc=false)']);
  });

  it('enable_icc=false on IPv6 turns bridge-nf-call-ip6tables on too; an IPv6-only network only that one', async () => {
    const { engine, kernel } = memoryEngine();
    const icc = { 'com.docker.network.bridge.enable_icc': 'false' };
    await createNetwork(engine, create({ name: 'six', subnet: 'fd00:9::/64', ipv6: true, ipv4: false, options: icc }));
    expect(kernel.calls.filter((c) => c.startsWith('sysctl net.bridge'))).toEqual(['sysctl net.bridge.bridge-nf-call-ip6tables=1']);
    await createNetwork(engine, create({ name: 'dual', subnet: ['10.9.0.0/24', 'fd00:a::/64'], ipv6: true, options: icc }));
    expect(kernel.calls.filter((c) => c.startsWith('sysctl net.bridge'))).toEqual(['sysctl net.bridge.bridge-nf-call-ip6tables=1', 'sysctl net.bridge.bridge-nf-call-iptables=1']);
    expect(engine.hostChanges).toContain('net.bridge.bridge-nf-call-ip6tables set to 1 (needed for enable_icc=false)');
  });

  it('a bridge the kernel refuses leaves no network, and its subnet free for the next create', async () => {
    const { engine, store, kernel } = memoryEngine();
    kernel.fail = { line: /^link add name/, message: 'RTNETLINK answers: File exists' };
    await refused(createNetwork(engine, create({ name: 'demo', subnet: '10.9.0.0/24' })), 'conflict', /a link named br-\w+ already exists/);
    expect(engine.state.networks).toEqual({});
    expect(store.saves).toBe(0);
    kernel.fail = null;
    expect((await createNetwork(engine, create({ name: 'demo', subnet: '10.9.0.0/24' }))).subnet).toBe('10.9.0.0/24');
  });

  it('an IPv6 network turns forwarding on (and says the IPv6 forward policy becomes drop), then gives the bridge IPv6 and its gateway without DAD', async () => {
    const { engine, kernel } = memoryEngine();
    const net = await createNetwork(engine, create({ name: 'v6', subnet: ['10.8.0.0/24', 'fd00:8::/64'], ipv6: true }));
    expect(kernel.calls).toEqual([
      'sysctl net.ipv6.conf.all.forwarding=1',
      `ip: link add name ${net.bridge} address ${berthLinkMac(net.bridge)} type bridge`,
      `sysctl net.ipv6.conf.${net.bridge}.disable_ipv6=0`,
      `sysctl net.ipv6.conf.${net.bridge}.accept_ra=0`,
      `ip: addr add 10.8.0.1/24 dev ${net.bridge}`,
      `ip: addr add fd00:8::1/64 nodad dev ${net.bridge}`,
      expect.stringMatching(new RegExp(`^ip: link set dev ${net.bridge} alias berth:\\S+ up$`)),
    ]);
    expect(engine.hostChanges).toEqual(['net.ipv6.conf.all.forwarding set to 1; the IPv6 forward policy set to drop']);
  });

  it('a host without IPv6 refuses an IPv6 network before any bridge is made', async () => {
    const kernel = recordingKernel();
    kernel.sysctls.delete('net.ipv6.conf.all.forwarding');
    const { engine, store } = memoryEngine(undefined, { kernel });
    await refused(createNetwork(engine, create({ name: 'v6', subnet: 'fd00:8::/64', ipv6: true })), 'invalid_argument', /IPv6 is disabled on this host/);
    expect(kernel.calls).toEqual([]);
    expect(store.saves).toBe(0);
  });

  it('remove deletes the bridge and frees the subnet; a network in use is refused and kept', async () => {
    const { engine, kernel } = memoryEngine(stateOf([red, blue], [web]));
    await refused(removeNetwork(engine, 'red'), 'in_use', /has active endpoints \(web\)/);
    expect(kernel.calls).toEqual([]);
    await removeNetwork(engine, 'blue');
    expect(kernel.calls).toEqual([`ip: link del ${blue.bridge}`]);
    expect(engine.state.networks[blue.id]).toBeUndefined();
    expect((await createNetwork(engine, create({ name: 'again', subnet: '10.2.0.0/24' }))).subnet).toBe('10.2.0.0/24');
  });
});

describe('connect and disconnect', () => {
  const on = (network: string, c = 'web') => ConnectParams.parse({ network, target: { container: c } });

  it("a running container gets a veth on the bridge and the next ethN with the network's next address; the default route follows Docker's choice", async () => {
    const { engine, store, kernel } = memoryEngine(stateOf([red, blue], [web]));
    const info = await connect(engine, on('blue'));
    expect(info).toMatchObject({ Network: 'blue', IPAddress: '10.2.0.2', IPPrefixLen: 24, Gateway: '10.2.0.1', InterfaceName: 'eth1' });
    const ns = web.netns!;
    const veth = info.HostInterface;
    expect(kernel.calls).toEqual([
      `ip: link add name ${veth} address ${berthLinkMac(veth)} type veth peer name eth1 address ${info.MacAddress} netns ${ns}`,
      expect.stringMatching(new RegExp(`^ip: link set dev ${veth} master ${blue.bridge} alias berth:\\S+ up$`)),
      `ip ${ns}: addr add 10.2.0.2/24 dev eth1`,
      `ip ${ns}: link set dev eth1 up`,
      // Docker orders gateway candidates by network name: blue before red
      `ip ${ns}: route replace default via 10.2.0.1 dev eth1`,
    ]);
    expect(store.load().containers[web.id].endpoints.map((e) => [e.ifname, e.ip])).toEqual([['eth0', '10.1.0.2'], ['eth1', '10.2.0.2']]);
  });

  it('a stopped container is only recorded: it joins on start, as with Docker', async () => {
    const stopped = container('db', [red]);
    const { engine, kernel } = memoryEngine(stateOf([red, blue], [stopped]));
    const info = await connect(engine, on('blue', 'db'));
    expect(info.IPAddress).toBe('');
    expect(kernel.calls).toEqual([]);
    expect(engine.state.containers[stopped.id].networks.map((n) => n.networkId)).toEqual([red.id, blue.id]);
  });

  it('a second connect to the same network is refused before the kernel is asked', async () => {
    const { engine, kernel } = memoryEngine(stateOf([red], [web]));
    await refused(connect(engine, on('red')), 'conflict', 'endpoint with name web already exists in network red');
    expect(kernel.calls).toEqual([]);
  });

  it('a veth the kernel refuses leaves the container as it was and its address free', async () => {
    const { engine, store, kernel } = memoryEngine(stateOf([red, blue], [web]));
    kernel.fail = { line: /type veth/, message: 'RTNETLINK answers: Operation not permitted' };
    await expect(connect(engine, on('blue'))).rejects.toThrow('Operation not permitted');
    expect(engine.state.containers[web.id]).toEqual(web);
    expect(store.saves).toBe(0);
    kernel.fail = null;
    expect((await connect(engine, on('blue'))).IPAddress).toBe('10.2.0.2');
  });

  it('a namespace that does not exist is not found; one of a Berth container is refused by name', async () => {
    const kernel = recordingKernel({ netns: [web.netns!] });
    const { engine } = memoryEngine(stateOf([red, blue], [web]), { kernel });
    await refused(connect(engine, ConnectParams.parse({ network: 'blue', target: { netns: 'nope' } })), 'not_found', 'no network namespace named nope');
    await refused(connect(engine, ConnectParams.parse({ network: 'blue', target: { netns: web.netns! } })), 'invalid_argument', /belongs to a Berth container/);
    expect(kernel.calls).toEqual([]);
  });

  it('disconnect deletes the host end of the veth (the peer goes with it), frees the address and moves the default route back', async () => {
    const { engine, kernel } = memoryEngine(stateOf([red, blue], [web]));
    const info = await connect(engine, on('blue'));
    kernel.calls.length = 0;
    await disconnect(engine, DisconnectParams.parse({ network: 'blue', target: { container: 'web' } }));
    expect(kernel.calls).toEqual([`ip: link del ${info.HostInterface}`, `ip ${web.netns}: route replace default via 10.1.0.1 dev eth0`]);
    expect(engine.state.containers[web.id].endpoints.map((e) => e.ifname)).toEqual(['eth0']);
    // the deletion runs after the answer: the peer still holds eth1 until it
    // is done, and the next connect of the same container waits for it
    expect(kernel.links.get(web.netns!)?.has('eth1')).toBe(true);
    expect(await connect(engine, on('blue'))).toMatchObject({ IPAddress: '10.2.0.2', InterfaceName: 'eth1' });
    expect(kernel.links.get('')?.has(info.HostInterface)).toBe(false);
  });
});
