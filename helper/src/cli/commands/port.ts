import { formatPort, formatPortLines } from '../../portmap/format';
import { requireArgs, str } from '../args';
import type { Command } from '../command';

// `berth port` prints what `docker port` prints; `port add` / `port rm`
// change a running container's published ports in place.
export const portCommands: Command[] = [
  {
    name: 'port',
    summary: "List a container's published ports, or the host side of one",
    args: 'CONTAINER [PRIVATE_PORT[/PROTO]]',
    options: {
      format: { type: 'string', value: 'string', description: "Format each binding with a Go template ({{.PrivatePort}}, {{.Type}}, {{.IP}}, {{.PublicPort}}), 'table' or 'json'" },
    },
    examples: ['berth port web', 'berth port web 8000/tcp', "berth port web --format '{{.PublicPort}}'"],
    async run(ctx, a) {
      requireArgs(this, a.positionals, 1, 2);
      const [name, filter] = a.positionals;
      let mappings = await (await ctx.client()).api['port.list']({ container: name });
      let key: string | undefined;
      if (filter !== undefined) {
        const [port, proto = 'tcp'] = filter.split('/');
        if (!/^\d{1,5}$/.test(port) || !['tcp', 'udp', 'sctp'].includes(proto.toLowerCase()))
          throw new Error(`invalid port ${filter}: give PRIVATE_PORT[/tcp|udp|sctp]`);
        key = `${Number(port)}/${proto.toLowerCase()}`;
        mappings = mappings.filter((m) => `${m.containerPort}/${m.proto}` === key);
        if (!mappings.length) throw new Error(`No public port '${key}' published for ${name}`);
      }
      const format = str(a.values.format);
      if (format !== undefined) {
        const { portFormat, renderList } = await import('../output');
        renderList(mappings, format, portFormat()).forEach((l) => ctx.out(l));
        return 0;
      }
      const lines = formatPortLines(mappings, key);
      lines.forEach((l) => ctx.out(l));
      return 0;
    },
  },
  {
    name: 'port add',
    summary: 'Publish a port of a running container, without restarting it',
    args: 'CONTAINER [HOST_IP:][HOST_PORT[-END]:]CONTAINER_PORT[-END][/PROTO]',
    examples: ['berth port add web 8080:8000', 'berth port add web 127.0.0.1:9090:8000/tcp', 'berth port add web 5353:53/udp'],
    async run(ctx, a) {
      requireArgs(this, a.positionals, 2, 2);
      const [container, spec] = a.positionals;
      const added = await (await ctx.client()).api['port.add']({ container, spec });
      added.map(formatPort).forEach((l) => ctx.out(l));
      return 0;
    },
  },
  {
    name: 'port rm',
    summary: "Unpublish a running container's port(s), without restarting it",
    args: 'CONTAINER [HOST_IP:][HOST_PORT[-END]:]CONTAINER_PORT[/PROTO]',
    examples: ['berth port rm web 8080:8000', 'berth port rm web 8000   # every mapping of 8000/tcp'],
    async run(ctx, a) {
      requireArgs(this, a.positionals, 2, 2);
      const [container, spec] = a.positionals;
      const gone = await (await ctx.client()).api['port.remove']({ container, spec });
      gone.map(formatPort).forEach((l) => ctx.out(l));
      return 0;
    },
  },
];
