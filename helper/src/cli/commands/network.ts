import type { Network } from '../../../../src/shared/network';
import { keyValues, str } from '../args';
import { table, type Command } from '../command';
import { json } from '../format';

const short = (id: string) => id.slice(0, 12);

export const networkCommands: Command[] = [
  {
    name: 'network create',
    summary: 'Create a network',
    usage: 'berth network create [--driver bridge] [--subnet CIDR] [--gateway IP] [--ip-range CIDR] [--aux-address NAME=IP]... [--internal] [-o OPT=VALUE]... [--label K=V]... NETWORK',
    options: {
      driver: { type: 'string', short: 'd' },
      subnet: { type: 'string' },
      gateway: { type: 'string' },
      'ip-range': { type: 'string' },
      'aux-address': { type: 'string', multiple: true },
      internal: { type: 'boolean' },
      opt: { type: 'string', short: 'o', multiple: true },
      label: { type: 'string', multiple: true },
    },
    async run(ctx, a) {
      if (a.positionals.length !== 1) {
        ctx.err('"berth network create" requires exactly 1 argument: the network name');
        return 1;
      }
      const driver = str(a.values.driver) ?? 'bridge';
      if (driver !== 'bridge') {
        ctx.err(`plugin "${driver}" not found: Berth creates bridge networks (host and none exist already)`);
        return 1;
      }
      const c = await ctx.client();
      const n = await c.api['network.create']({
        name: a.positionals[0],
        driver: 'bridge',
        subnet: str(a.values.subnet),
        gateway: str(a.values.gateway),
        ipRange: str(a.values['ip-range']),
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
    usage: 'berth network ls [--format table|json] [-q]',
    options: { format: { type: 'string' }, quiet: { type: 'boolean', short: 'q' } },
    async run(ctx, a) {
      const nets = await (await ctx.client()).api['network.list']({});
      nets.sort((x, y) => x.Name.localeCompare(y.Name));
      if (a.values.quiet) nets.forEach((n) => ctx.out(short(n.Id)));
      else if (a.values.format === 'json') nets.forEach((n) => ctx.out(JSON.stringify(lsRow(n))));
      else
        ctx.out(
          table(
            ['NETWORK ID', 'NAME', 'DRIVER', 'SCOPE', 'SUBNET'],
            nets.map((n) => [short(n.Id), n.Name, n.Driver, n.Scope, n.IPAM.Config[0]?.Subnet ?? '']),
          ),
        );
      return 0;
    },
  },
  {
    name: 'network inspect',
    summary: 'Show networks in detail (JSON)',
    usage: 'berth network inspect NETWORK [NETWORK...]',
    async run(ctx, a) {
      const c = await ctx.client();
      const out: Network[] = [];
      let rc = 0;
      for (const name of a.positionals) {
        try {
          out.push(await c.api['network.inspect']({ name }));
        } catch (e) {
          ctx.err(`Error: ${(e as Error).message}`);
          rc = 1;
        }
      }
      ctx.out(json(out));
      return rc;
    },
  },
  {
    name: 'network rm',
    summary: 'Remove networks',
    usage: 'berth network rm NETWORK [NETWORK...]',
    async run(ctx, a) {
      return eachName(ctx, a.positionals, async (name, c) => {
        await c.api['network.remove']({ name });
        ctx.out(name);
      });
    },
  },
  {
    name: 'network prune',
    summary: 'Remove all networks no container uses',
    usage: 'berth network prune [-f]',
    options: { force: { type: 'boolean', short: 'f' } },
    async run(ctx) {
      const r = await (await ctx.client()).api['network.prune']({});
      if (r.removed.length) ctx.out(['Deleted Networks:', ...r.removed].join('\n'));
      return 0;
    },
  },
  {
    name: 'network connect',
    summary: 'Connect a container, a process (--pid) or a named netns (--netns) to a network',
    usage: 'berth network connect [--ip IP] NETWORK CONTAINER | --pid PID | --netns NAME',
    options: { ip: { type: 'string' }, pid: { type: 'string' }, netns: { type: 'string' } },
    async run(ctx, a) {
      const target = targetOf(a.positionals, a.values);
      const ep = await (await ctx.client()).api['network.connect']({ network: a.positionals[0], target, ip: str(a.values.ip) });
      if (target.container === undefined) ctx.out(`${ep.InterfaceName} ${ep.IPAddress}/${ep.IPPrefixLen} (host side ${ep.HostInterface})`);
      return 0;
    },
  },
  {
    name: 'network disconnect',
    summary: 'Disconnect a container, process or netns from a network',
    usage: 'berth network disconnect [-f] NETWORK CONTAINER | --pid PID | --netns NAME',
    options: { force: { type: 'boolean', short: 'f' }, pid: { type: 'string' }, netns: { type: 'string' } },
    async run(ctx, a) {
      const target = targetOf(a.positionals, a.values);
      await (await ctx.client()).api['network.disconnect']({ network: a.positionals[0], target, force: a.values.force === true });
      return 0;
    },
  },
];

function targetOf(pos: string[], v: Record<string, unknown>) {
  if (!pos[0]) throw new Error('name a network');
  const pid = str(v.pid);
  if (pid !== undefined && !/^\d+$/.test(pid)) throw new Error(`invalid --pid ${pid}`);
  return { container: pos[1], pid: pid === undefined ? undefined : Number(pid), netns: str(v.netns) };
}

function lsRow(n: Network) {
  return {
    CreatedAt: n.Created,
    Driver: n.Driver,
    ID: short(n.Id),
    IPv4: 'true',
    IPv6: 'false',
    Internal: String(n.Internal),
    Labels: Object.entries(n.Labels).map(([k, v]) => `${k}=${v}`).join(','),
    Name: n.Name,
    Scope: n.Scope,
    Subnet: n.IPAM.Config[0]?.Subnet ?? '',
  };
}

export async function eachName(
  ctx: Parameters<Command['run']>[0],
  names: string[],
  fn: (name: string, c: Awaited<ReturnType<Parameters<Command['run']>[0]['client']>>) => Promise<void>,
): Promise<number> {
  if (!names.length) {
    ctx.err('requires at least 1 argument');
    return 1;
  }
  const c = await ctx.client();
  let rc = 0;
  for (const n of names) {
    try {
      await fn(n, c);
    } catch (e) {
      ctx.err(`Error: ${(e as Error).message}`);
      rc = 1;
    }
  }
  return rc;
}
