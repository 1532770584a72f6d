import type { Kernel } from '../../kernel/host-kernel';
import type { EndpointRecord, NetworkRecord } from '../../store/state';
import { linkAlias } from '../naming';
import { familyPools, poolsOf } from '../../store/network-pools';
import type { NetworkDriver } from './driver';
import { conflict } from '../../../../src/shared/errors';
import { berthLinkMac } from '../../../../src/shared/link-mark';

const prefixOf = (cidr: string) => Number(cidr.split('/')[1]);

// The bridge's addresses: each subnet's gateway (IPv6 ones without DAD, so
// the gateway answers at once), as `ip addr add` takes them.
const bridgeAddrs = (net: NetworkRecord) =>
  poolsOf(net).map((p) => `${p.gateway}/${prefixOf(p.subnet)}${p.subnet.includes(':') ? ' nodad' : ''}`);

// Docker's bridge IPv6 setup: IPv6 on, no router advertisements taken.
async function bridgeIPv6(k: Kernel, net: NetworkRecord): Promise<void> {
  if (!familyPools(net, true).length) return;
  await k.setIfSysctl6(net.bridge, 'disable_ipv6', '0');
  await k.setIfSysctl6(net.bridge, 'accept_ra', '0');
}

// The bridge driver on kernel `k` (the engine's: the host's, or a test's fake).
export const bridgeDriver = (k: Kernel): NetworkDriver => ({
  name: 'bridge',

  async ensureNetwork(net) {
    await k.linksReaped({ names: [net.bridge] });
    const links = await k.listLinks();
    const br = links.find((l) => l.ifname === net.bridge);
    if (!br) await k.ipBatch(undefined, [`link add name ${net.bridge} address ${berthLinkMac(net.bridge)} type bridge`]);
    else if (br.linkinfo?.info_kind !== 'bridge')
      throw new Error(`${net.bridge} exists and is not a bridge (${br.linkinfo?.info_kind ?? 'device'})`);
    await bridgeIPv6(k, net);
    // a bridge made just now has no address yet: nothing to read
    const have = br === undefined ? [] : ((await k.listAddrs()).find((a) => a.ifname === net.bridge)?.addr_info ?? []).map((i) => `${i.local}/${i.prefixlen}`);
    const lines: string[] = [];
    if (net.mtu) lines.push(`link set dev ${net.bridge} mtu ${net.mtu}`);
    for (const a of bridgeAddrs(net)) if (!have.includes(a.split(' ')[0])) lines.push(`addr add ${a} dev ${net.bridge}`);
    lines.push(`link set dev ${net.bridge} alias ${linkAlias(net.id)} up`);
    await k.ipBatch(undefined, lines);
  },

  // One ip process, no listing: the bridge is made with its address and
  // brought up; 'File exists' on the add means the name is taken. Every link
  // is made with Berth's MAC mark (src/shared/link-mark.ts): the alias comes
  // one command later.
  async createNetwork(net) {
    const mtu = net.mtu ? ` mtu ${net.mtu}` : '';
    const rest = [...bridgeAddrs(net).map((a) => `addr add ${a} dev ${net.bridge}`), `link set dev ${net.bridge} alias ${linkAlias(net.id)} up`];
    // IPv6 settings need the bridge to exist: then a second batch
    const v6 = familyPools(net, true).length > 0;
    let made = false;
    // a chosen bridge name a removed network had: its old bridge goes first
    await k.linksReaped({ names: [net.bridge] });
    try {
      await k.ipBatch(undefined, [`link add name ${net.bridge}${mtu} address ${berthLinkMac(net.bridge)} type bridge`, ...(v6 ? [] : rest)]);
      made = true;
      if (v6) {
        await bridgeIPv6(k, net);
        await k.ipBatch(undefined, rest);
      }
    } catch (e) {
      // only the add can find something there: the address and alias are on our new bridge
      if (!made && /File exists/.test((e as Error).message)) throw conflict(`a link named ${net.bridge} already exists on the host`);
      await k.deleteLinks([net.bridge]).catch(() => {});
      throw e;
    }
  },

  // unplugged now, deleted in the background (kernel/link-reaper.ts): the
  // kernel's deletion of a bridge is most of a network removal's time
  async deleteNetwork(net) {
    await k.reapLinks([net.bridge]);
  },

  async join(net, ep, sb, sandboxLines = [], inSandbox = (step) => step()) {
    const mtu = net.mtu ? ` mtu ${net.mtu}` : '';
    await k.ipBatch(undefined, [
      `link add name ${ep.hostVeth}${mtu} address ${berthLinkMac(ep.hostVeth)} type veth peer name ${ep.ifname}${mtu} address ${ep.mac} netns ${sb.linkTarget}`,
      `link set dev ${ep.hostVeth} master ${net.bridge} alias ${linkAlias(ep.id)} up`,
    ]);
    const lines = [
      ...(ep.ip ? [`addr add ${ep.ip}/${ep.prefixLen} dev ${ep.ifname}`] : []),
      // nodad: the address is Berth's to give, usable at once (as libnetwork's IFA_F_NODAD)
      ...(ep.ip6 ? [`addr add ${ep.ip6}/${ep.prefixLen6} dev ${ep.ifname} nodad`] : []),
      `link set dev ${ep.ifname} up`,
      ...sandboxLines,
    ];
    await inSandbox(async () => {
      try {
        await k.ipBatch(sb.ns, lines);
      } catch (e) {
        await k.deleteLinks([ep.hostVeth]).catch(() => {});
        throw e;
      }
    });
  },

  // Unplugged now (the host end down: no traffic through the bridge),
  // deleted in the background (kernel/link-reaper.ts); deleting one end of a
  // veth pair deletes both. The peer keeps its ethN name in the sandbox until
  // then, so the deletion is scoped to the sandbox: its next join waits for
  // it (joinEndpoint). With no sandbox (gone, or going with its namespace)
  // nobody can meet that name.
  async leave(_net, ep: EndpointRecord, sb) {
    await k.reapLinks([ep.hostVeth], sb?.id);
  },
});
