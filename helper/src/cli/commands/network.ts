import type { Network } from '../../../../src/shared/network';
import { keyValues, list, requireArgs, str } from '../args';
import type { Command } from '../command';
import { NETWORK_FILTERS } from '../filter-keys';
import { eachName, perName } from '../each-name';
import { confirm } from '../io';

const TARGET_ARGS = 'NETWORK CONTAINER | NETWORK --pid PID | NETWORK --netns NAME';

export const networkCommands: Command[] = [
  {
    name: 'network create',
    summary: 'Create a network',
    args: 'NETWORK',
    options: {
      driver: { type: 'string', short: 'd', value: 'string', description: 'Driver: bridge (the only one Berth creates; host and none exist already)' },
      subnet: { type: 'string', multiple: true, value: 'strings', description: 'Subnet in CIDR format, IPv4 or IPv6, one or more (default: the next free /16 or /20 of the pool; IPv6: a /64 of the host\'s ULA /48)' },
      gateway: { type: 'string', multiple: true, value: 'strings', description: "The bridge's address in a subnet (default: the subnet's first address)" },
      'ip-range': { type: 'string', multiple: true, value: 'strings', description: 'Give containers addresses from this sub-range of a subnet only' },
      ipv6: { type: 'boolean', description: 'Enable IPv6 (dual stack; with --ipv4=false IPv6 only)' },
      ipv4: { type: 'boolean', description: 'Enable IPv4 (default true; --ipv4=false for an IPv6-only network)' },
      'aux-address': { type: 'string', multiple: true, value: 'map', description: 'Reserve an address IPAM must not hand out (NAME=IP)' },
      internal: { type: 'boolean', description: 'No traffic to or from outside the network' },
      opt: { type: 'string', short: 'o', multiple: true, value: 'map', description: "Driver options as Docker's (com.docker.network.bridge.name=br0, ...)" },
      label: { type: 'string', multiple: true, value: 'list', description: 'Set a label (KEY=VALUE)' },
    },
    examples: [
      'berth network create demo',
      'berth network create --subnet 10.10.0.0/24 --gateway 10.10.0.1 demo',
      'berth network create --ipv6 --subnet 10.10.0.0/24 --subnet fd00:10::/64 dual',
      'berth network create --ipv6 --ipv4=false six',
      'berth network create --internal -o com.docker.network.bridge.name=br-backend backend',
    ],
    async run(ctx, a) {
      requireArgs(this, a.positionals, 1, 1);
      const driver = str(a.values.driver) ?? 'bridge';
      if (driver !== 'bridge') throw new Error(`plugin "${driver}" not found: Berth creates bridge networks (host and none exist already)`);
      const c = await ctx.client();
      const n = await c.api['network.create']({
        name: a.positionals[0],
        driver: 'bridge',
        subnet: list(a.values.subnet),
        gateway: list(a.values.gateway),
        ipRange: list(a.values['ip-range']),
        ipv4: a.values.ipv4 !== false,
        ipv6: a.values.ipv6 === true,
        auxAddresses: keyValues(a.values['aux-address'], '--aux-address'),
        internal: a.values.internal === true,
        options: keyValues(a.values.opt, '-o'),
        labels: keyValues(a.values.label, '--label'),
      });
      ctx.out(n.Id);
      return 0;
    },
  },
  {
    name: 'network ls',
    summary: 'List networks',
    options: {
      quiet: { type: 'boolean', short: 'q', description: 'Only display network IDs' },
      filter: { type: 'string', short: 'f', multiple: true, value: 'filter', description: `Filter output (${NETWORK_FILTERS.join(', ')}), e.g. driver=bridge, label=env=prod` },
      format: { type: 'string', value: 'string', description: "Format output: 'table', 'table TEMPLATE', 'json', or a Go template (e.g. '{{.Name}}')" },
      'no-trunc': { type: 'boolean', description: "Don't truncate the IDs" },
    },
    examples: ['berth network ls', "berth network ls --filter type=custom --format '{{.Name}} {{.Subnet}}'", 'berth network ls -q --filter driver=bridge'],
    async run(ctx, a) {
      const { filterNetworks, networkFormat, parseFilters, renderList } = await import('../output');
      const filters = parseFilters(list(a.values.filter), NETWORK_FILTERS);
      const nets = filterNetworks(await (await ctx.client()).api['network.list']({}), filters);
      nets.sort((x, y) => x.Name.localeCompare(y.Name));
      const trunc = a.values['no-trunc'] !== true;
      if (a.values.quiet) nets.forEach((n) => ctx.out(trunc ? n.Id.slice(0, 12) : n.Id));
      else renderList(nets, str(a.values.format), networkFormat({ trunc })).forEach((l) => ctx.out(l));
      return 0;
    },
  },
  {
    name: 'network inspect',
    summary: 'Show networks in detail (JSON shaped like docker network inspect)',
    args: 'NETWORK [NETWORK...]',
    options: { format: { type: 'string', short: 'f', value: 'string', description: "Format output with a Go template (e.g. '{{range .IPAM.Config}}{{.Subnet}}{{end}}'), or 'json'" } },
    examples: ['berth network inspect demo', "berth network inspect -f '{{range .Containers}}{{.Name}} {{.IPv4Address}}{{println}}{{end}}' demo"],
    async run(ctx, a) {
      requireArgs(this, a.positionals, 1);
      const out: Network[] = [];
      const rc = await eachName(ctx, a.positionals, async (name, c) => {
        out.push(await c.api['network.inspect']({ name }));
      });
      const { renderObjects } = await import('../output');
      renderObjects(out, str(a.values.format)).forEach((l) => ctx.out(l));
      return rc;
    },
  },
  perName(
    {
      name: 'network rm',
      summary: 'Remove networks',
      args: 'NETWORK [NETWORK...]',
      examples: ['berth network rm demo'],
    },
    () => async (c, name) => {
      await c.api['network.remove']({ name });
      return name;
    },
  ),
  {
    name: 'network prune',
    summary: 'Remove all networks no container uses',
    options: { force: { type: 'boolean', short: 'f', description: 'Do not prompt for confirmation' } },
    examples: ['berth network prune', 'berth network prune -f'],
    async run(ctx, a) {
      requireArgs(this, a.positionals, 0, 0);
      const ok = await confirm(ctx, 'WARNING! This will remove all custom networks not used by at least one container.', a.values.force === true);
      if (!ok) return 0;
      const r = await (await ctx.client()).api['network.prune']({});
      if (r.removed.length) ctx.out(['Deleted Networks:', ...r.removed].join('\n'));
      return 0;
    },
  },
  {
    name: 'network connect',
    summary: 'Connect a container, a process (--pid) or a named netns (--netns) to a network',
    args: TARGET_ARGS,
    options: {
      ip: { type: 'string', value: 'string', description: 'IPv4 address on the network' },
      ip6: { type: 'string', value: 'string', description: 'IPv6 address on the network' },
      alias: { type: 'string', multiple: true, value: 'strings', description: 'Another name the container answers to on this network' },
      pid: { type: 'string', value: 'int', description: "Attach the network namespace of this process (one of yours: a Docker container's PID, say)" },
      netns: { type: 'string', value: 'name', description: 'Attach this named network namespace (/run/netns/NAME)' },
    },
    examples: ['berth network connect demo web', 'berth network connect --ip 10.10.0.50 --alias api demo web', 'berth network connect demo --pid 4242'],
    async run(ctx, a) {
      const target = targetOf(this, a.positionals, a.values);
      const ep = await (await ctx.client()).api['network.connect']({ network: a.positionals[0], target, ip: str(a.values.ip), ip6: str(a.values.ip6), aliases: list(a.values.alias) });
      if (target.container === undefined) ctx.out(`${ep.InterfaceName} ${ep.IPAddress}/${ep.IPPrefixLen} (host side ${ep.HostInterface})`);
      return 0;
    },
  },
  {
    name: 'network disconnect',
    summary: 'Disconnect a container, process or netns from a network',
    args: TARGET_ARGS,
    options: {
      force: { type: 'boolean', short: 'f', description: 'Remove the endpoint even if its namespace is gone' },
      pid: { type: 'string', value: 'int', description: 'The process whose namespace was attached with --pid' },
      netns: { type: 'string', value: 'name', description: 'The named namespace attached with --netns' },
    },
    examples: ['berth network disconnect demo web', 'berth network disconnect demo --pid 4242'],
    async run(ctx, a) {
      const target = targetOf(this, a.positionals, a.values);
      await (await ctx.client()).api['network.disconnect']({ network: a.positionals[0], target, force: a.values.force === true });
      return 0;
    },
  },
];

function targetOf(cmd: Command, pos: string[], v: Record<string, unknown>) {
  const pid = str(v.pid);
  const netns = str(v.netns);
  requireArgs(cmd, pos, pid !== undefined || netns !== undefined ? 1 : 2, pid !== undefined || netns !== undefined ? 1 : 2);
  if (pid !== undefined && !/^\d+$/.test(pid)) throw new Error(`invalid --pid ${pid}: want a process ID`);
  return { container: pos[1], pid: pid === undefined ? undefined : Number(pid), netns };
}
