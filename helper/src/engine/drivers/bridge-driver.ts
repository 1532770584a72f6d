import { deleteLinks, ipBatch, listAddrs, listLinks } from '../../kernel/links';
import type { EndpointRecord } from '../../store/state';
import { linkAlias } from '../naming';
import type { NetworkDriver } from './driver';
import { conflict } from '../../../../src/shared/errors';

const prefixOf = (cidr: string) => Number(cidr.split('/')[1]);

export const bridgeDriver: NetworkDriver = {
  name: 'bridge',

  async ensureNetwork(net) {
    const links = await listLinks();
    const br = links.find((l) => l.ifname === net.bridge);
    const lines: string[] = [];
    if (!br) lines.push(`link add name ${net.bridge} type bridge`);
    else if (br.linkinfo?.info_kind !== 'bridge')
      throw new Error(`${net.bridge} exists and is not a bridge (${br.linkinfo?.info_kind ?? 'device'})`);
    const addr = `${net.gateway}/${prefixOf(net.subnet)}`;
    // a bridge made in this very batch has no address yet: nothing to read
    const has = br !== undefined && (await listAddrs()).find((a) => a.ifname === net.bridge)?.addr_info.some((i) => `${i.local}/${i.prefixlen}` === addr);
    if (net.mtu) lines.push(`link set dev ${net.bridge} mtu ${net.mtu}`);
    if (!has) lines.push(`addr add ${addr} dev ${net.bridge}`);
    lines.push(`link set dev ${net.bridge} alias ${linkAlias(net.id)} up`);
    await ipBatch(undefined, lines);
  },

  // One ip process, no listing: the bridge is made with its address and
  // brought up; 'File exists' on the add means the name is taken.
  async createNetwork(net) {
    const mtu = net.mtu ? ` mtu ${net.mtu}` : '';
    try {
      await ipBatch(undefined, [
        `link add name ${net.bridge}${mtu} type bridge`,
        `addr add ${net.gateway}/${prefixOf(net.subnet)} dev ${net.bridge}`,
        `link set dev ${net.bridge} alias ${linkAlias(net.id)} up`,
      ]);
    } catch (e) {
      // only the add can find something there: the address and alias are on our new bridge
      if (/File exists/.test((e as Error).message)) throw conflict(`a link named ${net.bridge} already exists on the host`);
      await deleteLinks([net.bridge]).catch(() => {});
      throw e;
    }
  },

  async deleteNetwork(net) {
    await deleteLinks([net.bridge]);
  },

  async join(net, ep, sb, sandboxLines = []) {
    const mtu = net.mtu ? ` mtu ${net.mtu}` : '';
    await ipBatch(undefined, [
      `link add name ${ep.hostVeth}${mtu} type veth peer name ${ep.ifname}${mtu} address ${ep.mac} netns ${sb.linkTarget}`,
      `link set dev ${ep.hostVeth} master ${net.bridge} alias ${linkAlias(ep.id)} up`,
    ]);
    try {
      await ipBatch(sb.ns, [
        `addr add ${ep.ip}/${ep.prefixLen} dev ${ep.ifname}`,
        `link set dev ${ep.ifname} up`,
        ...sandboxLines,
      ]);
    } catch (e) {
      await deleteLinks([ep.hostVeth]).catch(() => {});
      throw e;
    }
  },

  async leave(_net, ep: EndpointRecord, _sb) {
    // deleting one end of a veth pair deletes both
    await deleteLinks([ep.hostVeth]);
  },
};
