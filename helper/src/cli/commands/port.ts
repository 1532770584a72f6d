import { formatPort, formatPortLines } from '../../portmap/format';
import type { Command } from '../command';

// `berth port` prints what `docker port` prints; `port add` / `port rm`
// change a running container's published ports in place.
export const portCommands: Command[] = [
  {
    name: 'port',
    summary: "List a container's published ports, or the host side of one",
    usage: 'berth port CONTAINER [PRIVATE_PORT[/PROTO]]',
    async run(ctx, a) {
      const [name, filter, ...extra] = a.positionals;
      if (!name || extra.length) {
        ctx.err('"berth port" requires 1 or 2 arguments: berth port CONTAINER [PRIVATE_PORT[/PROTO]]');
        return 1;
      }
      const mappings = await (await ctx.client()).api['port.list']({ container: name });
      if (filter === undefined) {
        formatPortLines(mappings).forEach((l) => ctx.out(l));
        return 0;
      }
      const [port, proto = 'tcp'] = filter.split('/');
      if (!/^\d{1,5}$/.test(port) || !['tcp', 'udp', 'sctp'].includes(proto.toLowerCase())) {
        ctx.err(`Error: invalid port ${filter}: give PRIVATE_PORT[/tcp|udp|sctp]`);
        return 1;
      }
      const lines = formatPortLines(mappings, `${Number(port)}/${proto.toLowerCase()}`);
      if (!lines.length) {
        ctx.err(`Error: No public port '${Number(port)}/${proto.toLowerCase()}' published for ${name}`);
        return 1;
      }
      lines.forEach((l) => ctx.out(l));
      return 0;
    },
  },
  {
    name: 'port add',
    summary: 'Publish a port of a running container, without restarting it',
    usage: 'berth port add CONTAINER [HOST_IP:][HOST_PORT[-END]:]CONTAINER_PORT[-END][/PROTO]',
    async run(ctx, a) {
      const [container, spec] = a.positionals;
      if (!container || !spec || a.positionals.length > 2) {
        ctx.err('"berth port add" requires 2 arguments: berth port add CONTAINER SPEC');
        return 1;
      }
      const added = await (await ctx.client()).api['port.add']({ container, spec });
      added.map(formatPort).forEach((l) => ctx.out(l));
      return 0;
    },
  },
  {
    name: 'port rm',
    summary: "Unpublish a running container's port(s), without restarting it",
    usage: 'berth port rm CONTAINER [HOST_IP:][HOST_PORT[-END]:]CONTAINER_PORT[/PROTO]',
    async run(ctx, a) {
      const [container, spec] = a.positionals;
      if (!container || !spec || a.positionals.length > 2) {
        ctx.err('"berth port rm" requires 2 arguments: berth port rm CONTAINER SPEC');
        return 1;
      }
      const gone = await (await ctx.client()).api['port.remove']({ container, spec });
      gone.map(formatPort).forEach((l) => ctx.out(l));
      return 0;
    },
  },
];
