import type { Container } from '../../../../src/shared/container';
import type { PortMapping, Proto } from '../../../../src/shared/ports';
import { formatPortsColumn } from '../../portmap/format';
import { list, str } from '../args';
import { table, type CliContext, type Command } from '../command';
import { json, since, truncate } from '../format';
import { eachName } from './network';

function status(c: Container): string {
  const s = c.State;
  if (s.Status === 'running') return `Up ${since(s.StartedAt)}`;
  if (s.Status === 'degraded') return `Up ${since(s.StartedAt)} (degraded)`;
  if (s.Status === 'exited') return `Exited (${s.ExitCode}) ${since(s.FinishedAt)} ago`;
  return 'Created';
}

// docker ps's PORTS: consecutive same-number mappings grouped into ranges.
export function portsColumn(c: Container): string {
  const mappings: PortMapping[] = [];
  const exposed: { port: number; proto: Proto }[] = [];
  for (const [k, v] of Object.entries(c.NetworkSettings.Ports)) {
    const [port, proto] = k.split('/') as [string, Proto];
    if (!v) exposed.push({ port: Number(port), proto });
    else for (const b of v) mappings.push({ hostIp: b.HostIp, hostPort: Number(b.HostPort), containerPort: Number(port), proto });
  }
  return formatPortsColumn(mappings, exposed);
}

export const containerCommands: Command[] = [
  {
    name: 'run',
    summary: 'Run a command in a new container (its own network namespace)',
    usage: 'berth run [-d] [--rm] [--name NAME] [--network NET] [--ip IP] [--hostname H] [-e K=V]... [-w DIR] [-p SPEC]... [-P] [--expose PORT]... [--] CMD [ARG...]',
    options: {
      detach: { type: 'boolean', short: 'd' },
      rm: { type: 'boolean' },
      name: { type: 'string' },
      network: { type: 'string' },
      net: { type: 'string' },
      ip: { type: 'string' },
      hostname: { type: 'string', short: 'h' },
      env: { type: 'string', short: 'e', multiple: true },
      workdir: { type: 'string', short: 'w' },
      publish: { type: 'string', short: 'p', multiple: true },
      'publish-all': { type: 'boolean', short: 'P' },
      expose: { type: 'string', multiple: true },
    },
    async run(ctx, a) {
      const cmd = [...a.positionals, ...a.rest];
      if (!cmd.length) {
        ctx.err('"berth run" requires a command to run: berth run [OPTIONS] CMD [ARG...]');
        return 125;
      }
      const network = str(a.values.network) ?? str(a.values.net) ?? 'bridge';
      const ports = list(a.values.publish);
      if (network === 'host' && (ports.length || a.values['publish-all']))
        ctx.err('WARNING: Published ports are discarded when using host network mode');
      const c = await ctx.client();
      const detach = a.values.detach === true;
      const created = await c.api['container.run']({
        name: str(a.values.name),
        cmd,
        network,
        ip: str(a.values.ip),
        hostname: str(a.values.hostname),
        env: list(a.values.env),
        workdir: str(a.values.workdir) ?? process.cwd(),
        // attached runs remove the container themselves once its output is read
        autoRemove: detach && a.values.rm === true,
        ports: network === 'host' ? [] : ports,
        publishAll: network !== 'host' && a.values['publish-all'] === true,
        expose: list(a.values.expose),
      });
      if (detach) {
        ctx.out(created.Id);
        return 0;
      }
      const code = await attach(ctx, created.Id);
      if (a.values.rm === true) await c.api['container.remove']({ name: created.Id, force: true }).catch(() => {});
      return code;
    },
  },
  {
    name: 'ps',
    summary: 'List containers',
    usage: 'berth ps [-a] [-q] [--format table|json]',
    options: { all: { type: 'boolean', short: 'a' }, quiet: { type: 'boolean', short: 'q' }, format: { type: 'string' } },
    async run(ctx, a) {
      const cs = await (await ctx.client()).api['container.list']({ all: a.values.all === true });
      if (a.values.quiet) cs.forEach((c) => ctx.out(c.Id.slice(0, 12)));
      else if (a.values.format === 'json')
        cs.forEach((c) =>
          ctx.out(
            JSON.stringify({
              ID: c.Id.slice(0, 12),
              Names: c.Name.slice(1),
              Command: c.Config.Cmd.join(' '),
              CreatedAt: c.Created,
              State: c.State.Status,
              Status: status(c),
              Ports: portsColumn(c),
              Networks: Object.keys(c.NetworkSettings.Networks).join(','),
            }),
          ),
        );
      else
        ctx.out(
          table(
            ['CONTAINER ID', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NETWORKS', 'NAMES'],
            cs.map((c) => [
              c.Id.slice(0, 12),
              `"${truncate(c.Config.Cmd.join(' '), 20)}"`,
              `${since(c.Created)} ago`,
              status(c),
              portsColumn(c),
              Object.keys(c.NetworkSettings.Networks).join(','),
              c.Name.slice(1),
            ]),
          ),
        );
      return 0;
    },
  },
  {
    name: 'inspect',
    summary: 'Show containers in detail (JSON, shaped like docker inspect)',
    usage: 'berth inspect CONTAINER [CONTAINER...]',
    async run(ctx, a) {
      const out: Container[] = [];
      const rc = await eachName(ctx, a.positionals, async (name, c) => {
        out.push(await c.api['container.inspect']({ name }));
      });
      ctx.out(json(out));
      return rc;
    },
  },
  {
    name: 'stop',
    summary: 'Stop running containers (SIGTERM, then SIGKILL after the timeout)',
    usage: 'berth stop [-t SECONDS] CONTAINER [CONTAINER...]',
    options: { time: { type: 'string', short: 't' } },
    async run(ctx, a) {
      const t = str(a.values.time);
      if (t !== undefined && !/^\d+$/.test(t)) {
        ctx.err(`invalid timeout ${t}`);
        return 1;
      }
      return eachName(ctx, a.positionals, async (name, c) => {
        await c.api['container.stop']({ name, timeout: t === undefined ? 10 : Number(t) });
        ctx.out(name);
      });
    },
  },
  {
    name: 'start',
    summary: 'Start stopped containers',
    usage: 'berth start CONTAINER [CONTAINER...]',
    async run(ctx, a) {
      return eachName(ctx, a.positionals, async (name, c) => {
        await c.api['container.start']({ name });
        ctx.out(name);
      });
    },
  },
  {
    name: 'rm',
    summary: 'Remove containers',
    usage: 'berth rm [-f] CONTAINER [CONTAINER...]',
    options: { force: { type: 'boolean', short: 'f' } },
    async run(ctx, a) {
      return eachName(ctx, a.positionals, async (name, c) => {
        await c.api['container.remove']({ name, force: a.values.force === true });
        ctx.out(name);
      });
    },
  },
  {
    name: 'logs',
    summary: "Show a container's output",
    usage: 'berth logs [-f] [--tail N] CONTAINER',
    options: { follow: { type: 'boolean', short: 'f' }, tail: { type: 'string', short: 'n' } },
    async run(ctx, a) {
      const name = a.positionals[0];
      if (!name) {
        ctx.err('"berth logs" requires exactly 1 argument');
        return 1;
      }
      const tailS = str(a.values.tail);
      const tail = tailS === undefined || tailS === 'all' ? undefined : Number(tailS);
      if (tail !== undefined && !Number.isInteger(tail)) {
        ctx.err(`invalid --tail ${tailS}`);
        return 1;
      }
      const c = await ctx.client();
      if (!a.values.follow) {
        process.stdout.write((await c.api['container.logs']({ name, tail })).data);
        return 0;
      }
      c.onEvent((e) => {
        if (e.type === 'log') process.stdout.write(e.data);
      });
      await c.api['container.logs']({ name, tail, follow: true });
      return 0;
    },
  },
];

// Foreground `berth run`: stream the output, stop the container on Ctrl-C,
// exit with its exit code (like `docker run` without -d).
async function attach(ctx: CliContext, id: string): Promise<number> {
  const c = await ctx.client();
  c.onEvent((e) => {
    if (e.type === 'log' && e.container === id) process.stdout.write(e.data);
  });
  const onSig = () => void c.api['container.stop']({ name: id, timeout: 10 }).catch(() => {});
  process.once('SIGINT', onSig);
  process.once('SIGTERM', onSig);
  const r = await c.api['container.logs']({ name: id, follow: true });
  return r.exitCode ?? (await c.api['container.wait']({ name: id })).exitCode;
}
