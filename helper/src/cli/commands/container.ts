import { resolve } from 'node:path';
import { envList, keyValues, list, requireArgs, str } from '../args';
import type { CliContext, Command, ParsedArgs } from '../command';
import { PS_FILTERS } from '../filter-keys';
import { confirm, onClosedPipe, outStream, writeOut } from '../io';
import { eachName, perName } from '../each-name';
import { parseSize, parseTime } from '../times';
import { DEFAULT_LOG_LIMITS } from '../../../../src/shared/log-limits';
import { portCommands } from './port';

const FORMAT = {
  type: 'string',
  value: 'string',
  description: "Format output: 'table', 'table TEMPLATE', 'json', or a Go template (e.g. '{{.Names}}')",
} as const;

// inspect's and container inspect's --format
const INSPECT_FORMAT = { ...FORMAT, short: 'f', description: "Format output with a Go template (e.g. '{{.State.Status}}'), or 'json'" } as const;

const verbs: Command[] = [
  {
    name: 'run',
    summary: 'Run a command in a new container (its own network namespace)',
    args: 'CMD [ARG...]',
    commandLine: true,
    options: {
      detach: { type: 'boolean', short: 'd', description: 'Run in the background and print the container ID' },
      rm: { type: 'boolean', description: 'Remove the container when it exits' },
      interactive: { type: 'boolean', short: 'i', description: 'Keep STDIN open and pass it to the command' },
      tty: { type: 'boolean', short: 't', description: 'Allocate a pseudo-TTY (stdout and stderr become one stream)' },
      name: { type: 'string', value: 'string', description: 'Assign a name to the container' },
      network: { type: 'string', value: 'network', description: "Connect to a network: bridge (default), host, none, container:NAME or a network's name" },
      net: { type: 'string', hidden: true, description: 'Same as --network' },
      ip: { type: 'string', value: 'address', description: 'IPv4 address on the network (e.g. 10.10.0.10)' },
      ip6: { type: 'string', value: 'address', description: 'IPv6 address on the network (e.g. fd00:10::10)' },
      hostname: { type: 'string', short: 'h', value: 'string', description: "Container's hostname (default: the short ID)" },
      env: { type: 'string', short: 'e', multiple: true, value: 'list', description: 'Set an environment variable (KEY=VALUE, or KEY to pass the caller\'s)' },
      workdir: { type: 'string', short: 'w', value: 'string', description: 'Working directory of the command (default: the current one; a relative one is taken from it)' },
      publish: { type: 'string', short: 'p', multiple: true, value: 'list', description: "Publish a container's port(s) to the host ([HOST_IP:][HOST_PORT:]PORT[/PROTO])" },
      'publish-all': { type: 'boolean', short: 'P', description: 'Publish every exposed port to a random host port' },
      expose: { type: 'string', multiple: true, value: 'list', description: 'Expose a port or a range of ports (PORT[-END][/PROTO])' },
      label: { type: 'string', short: 'l', multiple: true, value: 'list', description: 'Set a label (KEY=VALUE)' },
      'network-alias': { type: 'string', multiple: true, value: 'list', description: 'Another name the container answers to on its (user-defined) network' },
      dns: { type: 'string', multiple: true, value: 'list', description: "A DNS server to forward the container's other lookups to (default: the host's)" },
      'dns-search': { type: 'string', multiple: true, value: 'list', description: 'A DNS search domain (default: the host\'s)' },
      'add-host': { type: 'string', multiple: true, value: 'list', description: 'Add a line to the container\'s /etc/hosts (NAME:IP, IP may be host-gateway)' },
      'log-opt': { type: 'string', multiple: true, value: 'list', description: 'Log file limits: max-size=SIZE (default 10m), max-file=N (default 3)' },
      'detach-keys': { type: 'string', value: 'string', description: 'With -it: the key sequence that detaches, leaving the container running (default "ctrl-p,ctrl-q")' },
    },
    examples: [
      'berth run --rm -- echo hello',
      'berth run -d --name web --network demo -p 8080:8000 -- python3 -m http.server 8000',
      'berth run --rm --network demo -e TOKEN -- sh -c \'echo "$TOKEN"\'',
      'berth run -d --name db --network demo --network-alias database -- python3 -m http.server 5432',
      'berth run --rm --network demo --add-host printer:192.168.1.20 --dns 1.1.1.1 -- getent hosts web',
    ],
    async run(ctx, a) {
      const cmd = [...a.positionals, ...a.rest];
      requireArgs(this, cmd, 1);
      const network = str(a.values.network) ?? str(a.values.net) ?? 'bridge';
      const ports = list(a.values.publish);
      if (network === 'host' && (ports.length || a.values['publish-all']))
        ctx.err('WARNING: Published ports are discarded when using host network mode');
      const c = await ctx.client();
      const detach = a.values.detach === true;
      const interactive = a.values.interactive === true;
      const tty = a.values.tty === true;
      if (!detach && tty && interactive && !process.stdin.isTTY) throw new Error('the input device is not a TTY');
      const { parseDetachKeys } = await import('../exec-client');
      const detachKeys = parseDetachKeys(str(a.values['detach-keys']) ?? 'ctrl-p,ctrl-q');
      const created = await c.api['container.run']({
        name: str(a.values.name),
        cmd,
        network,
        ip: str(a.values.ip),
        ip6: str(a.values.ip6),
        hostname: str(a.values.hostname),
        env: envList(list(a.values.env)),
        // relative to this directory, the default (the helper takes absolute ones only, as Docker's daemon)
        workdir: resolve(process.cwd(), str(a.values.workdir) ?? '.'),
        // a plain attached run removes the container itself once its output is read; -i/-t
        // runs leave it to the helper, so a run detached with ctrl-p,ctrl-q is removed when it ends
        autoRemove: (detach || interactive || tty) && a.values.rm === true,
        ports: network === 'host' ? [] : ports,
        publishAll: network !== 'host' && a.values['publish-all'] === true,
        expose: list(a.values.expose),
        labels: keyValues(a.values.label, '--label'),
        networkAliases: list(a.values['network-alias']),
        dns: list(a.values.dns),
        dnsSearch: list(a.values['dns-search']),
        extraHosts: list(a.values['add-host']),
        logLimits: logLimits(list(a.values['log-opt'])),
        interactive,
        tty,
        cols: outStream('stdout').columns || 80,
        rows: outStream('stdout').rows || 24,
      });
      if (detach) {
        ctx.out(created.Id);
        return 0;
      }
      const remove = () => c.api['container.remove']({ name: created.Id, force: true }).catch(() => {});
      if (a.values.rm === true) onClosedPipe(remove);
      if (interactive || tty) {
        // output streamed on this connection from the container's start (docs/exec.md)
        const { attachSession } = await import('../exec-client');
        const r = await withStopOnSignal(c, created.Id, tty, () => attachSession(c, created.Id, { interactive, tty, output: 'replay', detachKeys }));
        return r === 'detached' ? 0 : r; // detached: the container goes on, as Docker's
      }
      const code = await attach(ctx, created.Id);
      if (a.values.rm === true) await remove();
      return code;
    },
  },
  {
    name: 'exec',
    summary: 'Run a command in a running container (its network, hostname and /etc files, as its user)',
    args: 'CONTAINER CMD [ARG...]',
    commandLine: true,
    options: {
      interactive: { type: 'boolean', short: 'i', description: 'Keep STDIN open and pass it to the command' },
      tty: { type: 'boolean', short: 't', description: 'Allocate a pseudo-TTY (stdout and stderr become one stream)' },
      env: { type: 'string', short: 'e', multiple: true, value: 'list', description: "Set an environment variable (KEY=VALUE, or KEY to pass the caller's)" },
      user: { type: 'string', short: 'u', value: 'string', description: "USER[:GROUP] or UID[:GID]; only the helper's owner unless the owner is root" },
      workdir: { type: 'string', short: 'w', value: 'string', description: "Working directory inside the container (default: the container's)" },
    },
    examples: ['berth exec web ip addr', 'berth exec -it web sh', 'berth exec -i web sh -c "cat > /tmp/notes" < notes.txt', 'berth exec -e DEBUG=1 -w /tmp web env'],
    async run(ctx, a) {
      const words = [...a.positionals, ...a.rest];
      const name = words[0];
      const cmd = words[1] === '--' ? words.slice(2) : words.slice(1);
      requireArgs(this, cmd.length ? [name, ...cmd] : words, 2);
      const { execSession } = await import('../exec-client');
      return execSession(await ctx.client(), {
        name,
        cmd,
        env: envList(list(a.values.env)),
        user: str(a.values.user),
        workdir: str(a.values.workdir),
        interactive: a.values.interactive === true,
        tty: a.values.tty === true,
      });
    },
  },
  {
    name: 'attach',
    summary: "Attach this terminal's input and output to a running container (stdout and stderr apart)",
    args: 'CONTAINER',
    options: {
      'no-stdin': { type: 'boolean', description: 'Do not attach STDIN' },
      'sig-proxy': { type: 'string', value: 'bool', description: 'Without a terminal, pass Ctrl-C (SIGINT) to the container; false: Ctrl-C detaches (default true)' },
      'detach-keys': { type: 'string', value: 'string', description: 'With a terminal: the key sequence that detaches, leaving the container running (default "ctrl-p,ctrl-q")' },
    },
    examples: ['berth attach web', 'berth attach --no-stdin web', 'berth attach --detach-keys ctrl-x,x web', 'berth attach --sig-proxy=false web'],
    async run(ctx, a) {
      requireArgs(this, a.positionals, 1, 1);
      const sigProxy = str(a.values['sig-proxy']) ?? 'true';
      if (sigProxy !== 'true' && sigProxy !== 'false') throw new Error(`invalid --sig-proxy ${sigProxy}: want true or false`);
      const { attachSession, parseDetachKeys } = await import('../exec-client');
      const detachKeys = parseDetachKeys(str(a.values['detach-keys']) ?? 'ctrl-p,ctrl-q');
      const c = await ctx.client();
      const info = await c.api['container.inspect']({ name: a.positionals[0] });
      const tty = info.Config.Tty === true;
      const interactive = info.Config.OpenStdin === true && a.values['no-stdin'] !== true;
      // Docker's sig-proxy: without a terminal ^C goes to the container's process; with
      // --sig-proxy=false it only ends this command (the container goes on)
      const onInt = () => {
        if (sigProxy === 'false') process.exit(0);
        void c.api['container.kill']({ name: info.Id, signal: 'INT' }).catch(() => {});
      };
      if (!tty || !process.stdin.isTTY) process.on('SIGINT', onInt);
      try {
        const r = await attachSession(c, info.Id, { interactive, tty, output: 'live', detachKeys });
        if (r !== 'detached') return r;
        ctx.err('read escape sequence'); // Docker's words, and its status 1
        return 1;
      } finally {
        process.off('SIGINT', onInt);
      }
    },
  },
  {
    name: 'ps',
    summary: 'List containers',
    options: {
      all: { type: 'boolean', short: 'a', description: 'Show all containers (default shows just running)' },
      quiet: { type: 'boolean', short: 'q', description: 'Only display container IDs' },
      filter: { type: 'string', short: 'f', multiple: true, value: 'filter', description: `Filter output (${PS_FILTERS.join(', ')}), e.g. name=web, status=exited, network=demo` },
      format: FORMAT,
      'no-trunc': { type: 'boolean', description: "Don't truncate output (full IDs and commands)" },
    },
    examples: [
      'berth ps -a',
      "berth ps --filter network=demo --format '{{.Names}}'",
      "berth ps -a --filter status=exited -q",
      "berth ps --format 'table {{.Names}}\\t{{.Status}}\\t{{.Ports}}'",
    ],
    async run(ctx, a) {
      const { containerFormat, filterContainers, parseFilters, renderList } = await import('../output');
      const filters = parseFilters(list(a.values.filter), PS_FILTERS);
      // a status filter other than running looks at stopped containers too, as Docker's
      const all = a.values.all === true || (filters.get('status') ?? []).some((s) => s !== 'running') || filters.has('exited');
      const cs = filterContainers(await (await ctx.client()).api['container.list']({ all }), filters);
      const trunc = a.values['no-trunc'] !== true;
      if (a.values.quiet) cs.forEach((c) => ctx.out(trunc ? c.Id.slice(0, 12) : c.Id));
      else renderList(cs, str(a.values.format), containerFormat({ trunc })).forEach((l) => ctx.out(l));
      return 0;
    },
  },
  {
    name: 'inspect',
    summary: 'Show containers (or networks) in detail: JSON shaped like docker inspect',
    args: 'NAME|ID [NAME|ID...]',
    options: {
      format: INSPECT_FORMAT,
      type: { type: 'string', value: 'string', description: 'Only this type of object: container or network' },
    },
    examples: [
      'berth inspect web',
      "berth inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' web",
      "berth inspect --format '{{json .Config}}' web",
    ],
    async run(ctx, a) {
      requireArgs(this, a.positionals, 1);
      const type = str(a.values.type);
      if (type !== undefined && type !== 'container' && type !== 'network') throw new Error(`"${type}" is not a valid value for --type`);
      return inspectNames(ctx, a.positionals, type, str(a.values.format));
    },
  },
  // Docker's `docker container inspect`: containers only (`inspect` also finds networks)
  {
    name: 'container inspect',
    summary: 'Display detailed information on one or more containers',
    args: 'CONTAINER [CONTAINER...]',
    options: { format: INSPECT_FORMAT },
    examples: ["berth container inspect -f '{{.State.Status}}' web"],
    async run(ctx, a) {
      requireArgs(this, a.positionals, 1);
      return inspectNames(ctx, a.positionals, 'container', str(a.values.format));
    },
  },
  perName(
    {
      name: 'stop',
      summary: 'Stop running containers (SIGTERM, then SIGKILL after the timeout)',
      args: 'CONTAINER [CONTAINER...]',
      options: { time: { type: 'string', short: 't', value: 'int', description: 'Seconds to wait before killing the container (default 10)' } },
      examples: ['berth stop web', 'berth stop -t 0 web db'],
    },
    (a) => {
      const timeout = timeoutOption(a);
      return async (c, name) => {
        await c.api['container.stop']({ name, timeout });
        return name;
      };
    },
  ),
  perName(
    {
      name: 'restart',
      summary: 'Restart containers (stop, then start; a stopped container is started)',
      args: 'CONTAINER [CONTAINER...]',
      options: { time: { type: 'string', short: 't', value: 'int', description: 'Seconds to wait for the stop before killing the container (default 10)' } },
      examples: ['berth restart web', 'berth restart -t 0 web db'],
    },
    (a) => {
      const timeout = timeoutOption(a);
      return async (c, name) => {
        await c.api['container.restart']({ name, timeout });
        return name;
      };
    },
  ),
  perName(
    {
      name: 'kill',
      summary: "Send a signal to running containers' main process (default SIGKILL, which ends the whole container)",
      args: 'CONTAINER [CONTAINER...]',
      options: { signal: { type: 'string', short: 's', value: 'string', description: 'Signal to send: a name (HUP, SIGTERM) or a number (default KILL)' } },
      examples: ['berth kill web', 'berth kill -s HUP web', 'berth kill --signal 15 web db'],
    },
    (a) => {
      const signal = str(a.values.signal) ?? 'KILL';
      return async (c, name) => {
        await c.api['container.kill']({ name, signal });
        return name;
      };
    },
  ),
  perName(
    {
      name: 'wait',
      summary: 'Block until containers stop, then print their exit codes',
      args: 'CONTAINER [CONTAINER...]',
      examples: ['berth wait web', 'berth wait job1 job2'],
    },
    () => async (c, name) => String((await c.api['container.wait']({ name })).exitCode),
  ),
  perName(
    {
      name: 'start',
      summary: 'Start stopped containers',
      args: 'CONTAINER [CONTAINER...]',
      examples: ['berth start web'],
    },
    () => async (c, name) => {
      await c.api['container.start']({ name });
      return name;
    },
  ),
  perName(
    {
      name: 'rm',
      summary: 'Remove containers',
      args: 'CONTAINER [CONTAINER...]',
      options: { force: { type: 'boolean', short: 'f', description: 'Force the removal of a running container (kills it)' } },
      examples: ['berth rm web', 'berth rm -f $(berth ps -aq)'],
    },
    (a) => async (c, name) => {
      await c.api['container.remove']({ name, force: a.values.force === true });
      return name;
    },
  ),
  {
    name: 'container prune',
    summary: 'Remove all stopped containers',
    options: { force: { type: 'boolean', short: 'f', description: 'Do not prompt for confirmation' } },
    examples: ['berth container prune', 'berth container prune -f'],
    async run(ctx, a) {
      requireArgs(this, a.positionals, 0, 0);
      const ok = await confirm(ctx, 'WARNING! This will remove all stopped containers.', a.values.force === true);
      if (!ok) return 0;
      const c = await ctx.client();
      const stopped = (await c.api['container.list']({ all: true })).filter((x) => x.State.Status === 'exited' || x.State.Status === 'created');
      const removed: string[] = [];
      let rc = 0;
      for (const x of stopped) {
        try {
          await c.api['container.remove']({ name: x.Id, force: false });
          removed.push(x.Id);
        } catch (e) {
          ctx.err(`Error: ${(e as Error).message}`);
          rc = 1;
        }
      }
      if (removed.length) ctx.out(['Deleted Containers:', ...removed, ''].join('\n'));
      ctx.out('Total reclaimed space: 0B');
      return rc;
    },
  },
  {
    name: 'logs',
    summary: "Show a container's output (stdout to stdout, stderr to stderr)",
    args: 'CONTAINER',
    options: {
      follow: { type: 'boolean', short: 'f', description: 'Follow log output until the container exits' },
      tail: { type: 'string', short: 'n', value: 'string', description: 'Number of lines to show from the end of the logs (default "all")' },
      timestamps: { type: 'boolean', short: 't', description: 'Show timestamps' },
      since: { type: 'string', value: 'string', description: 'Show logs since a time (2026-11-30T21:00:00Z, Unix seconds) or for a duration before now (42m)' },
      until: { type: 'string', value: 'string', description: 'Show logs before a time or a duration before now' },
    },
    examples: ['berth logs web', 'berth logs -f --tail 10 web', 'berth logs -t --since 10m web', 'berth logs --since 2026-11-30T21:00:00Z --until 2026-11-30T21:05:00Z web'],
    async run(ctx, a) {
      requireArgs(this, a.positionals, 1, 1);
      const name = a.positionals[0];
      const tailS = str(a.values.tail);
      const tail = tailS === undefined || tailS === 'all' ? undefined : Number(tailS);
      if (tail !== undefined && !(Number.isInteger(tail) && tail >= 0)) throw new Error(`invalid --tail ${tailS}: want a number or "all"`);
      const since = str(a.values.since) === undefined ? undefined : parseTime(str(a.values.since)!);
      const until = str(a.values.until) === undefined ? undefined : parseTime(str(a.values.until)!);
      const c = await ctx.client();
      let chain = Promise.resolve();
      c.onEvent((e) => {
        if (e.type === 'log') chain = chain.then(() => writeOut(e.data, e.stream === 'stderr' ? 'stderr' : 'stdout'));
      });
      // streamed as events, whatever the size: the CLI never holds the whole log
      await c.api['container.logs']({ name, tail, since, until, timestamps: a.values.timestamps === true, follow: a.values.follow === true, stream: true });
      await chain;
      return 0;
    },
  },
];

// Docker's `docker container VERB`: the container verbs under their group too
// (`berth container ls` is `berth ps`), each the same declaration under another
// name (aliasOf); `container list` and `container ps` are accepted, not listed,
// as Docker lists only `ls`. `container inspect` is a verb of its own above
// (containers only), and `container port` is `port`, with its `add` and `rm`
// (an area of its own, whose module this one loads for it: commands/index.ts
// loads one area per command).
const GROUPED: Record<string, string[]> = {
  attach: ['container attach'], exec: ['container exec'], kill: ['container kill'],
  logs: ['container logs'], ps: ['container ls', 'container list', 'container ps'], restart: ['container restart'],
  rm: ['container rm'], run: ['container run'], start: ['container start'], stop: ['container stop'], wait: ['container wait'],
  port: ['container port'], 'port add': ['container port add'], 'port rm': ['container port rm'],
};
const grouped = [...verbs, ...portCommands].flatMap((c) => (GROUPED[c.name] ?? []).map((name, i): Command => ({ ...c, name, aliasOf: c.name, hidden: i > 0 })));
// the group's verbs in Docker's (alphabetical) order in `berth container --help`
export const containerCommands: Command[] = [
  ...verbs.filter((c) => !c.name.startsWith('container ')),
  ...[...verbs.filter((c) => c.name.startsWith('container ')), ...grouped].sort((a, b) => a.name.localeCompare(b.name)),
];

// `inspect`'s objects, as `docker inspect` finds them: a container, else a
// network of that name; `type` only that one (Docker's `No such container:`).
async function inspectNames(ctx: CliContext, names: string[], type: string | undefined, format: string | undefined): Promise<number> {
  const out: unknown[] = [];
  const notFound = (e: unknown) => (e as { kind?: string }).kind === 'not_found';
  const rc = await eachName(ctx, names, async (name, c) => {
    if (type !== 'network') {
      try {
        out.push(await c.api['container.inspect']({ name }));
        return;
      } catch (e) {
        if (!notFound(e)) throw e;
        if (type === 'container') throw new Error(`No such container: ${name}`);
      }
    }
    try {
      out.push(await c.api['network.inspect']({ name }));
    } catch (e) {
      if (notFound(e)) throw new Error(type === 'network' ? `No such network: ${name}` : `No such object: ${name}`);
      throw e;
    }
  });
  const { renderObjects } = await import('../output');
  if (out.length || rc === 0 || !format) renderObjects(out, format).forEach((l) => ctx.out(l));
  return rc;
}

// --log-opt max-size=10m --log-opt max-file=3 (Docker's json-file options)
function logLimits(opts: string[]): { maxSize: number; maxFile: number } | undefined {
  if (!opts.length) return undefined;
  const l: { maxSize: number; maxFile: number } = { ...DEFAULT_LOG_LIMITS };
  for (const o of opts) {
    const [k, v] = [o.slice(0, o.indexOf('=')), o.slice(o.indexOf('=') + 1)];
    if (k === 'max-size') l.maxSize = parseSize(v);
    else if (k === 'max-file' && /^\d+$/.test(v) && Number(v) >= 1) l.maxFile = Number(v);
    else throw new Error(`invalid --log-opt ${o}: want max-size=SIZE or max-file=N (N >= 1)`);
  }
  return l;
}

// run -i (no terminal) stops the container on Ctrl-C like a plain run; with
// a terminal, ^C is a key for the container's terminal (raw mode).
async function withStopOnSignal<T>(c: Awaited<ReturnType<CliContext['client']>>, id: string, tty: boolean, fn: () => Promise<T>): Promise<T> {
  const onSig = () => void c.api['container.stop']({ name: id, timeout: 10 }).catch(() => {});
  if (!tty) process.on('SIGINT', onSig);
  process.on('SIGTERM', onSig);
  try {
    return await fn();
  } finally {
    process.off('SIGINT', onSig);
    process.off('SIGTERM', onSig);
  }
}

// Foreground `berth run`: stream the output, stop the container on Ctrl-C,
// exit with its exit code (like `docker run` without -d).
async function attach(ctx: CliContext, id: string): Promise<number> {
  const c = await ctx.client();
  let chain = Promise.resolve();
  c.onEvent((e) => {
    if (e.type === 'log' && e.container === id)
      chain = chain.then(() => writeOut(e.data, e.stream === 'stderr' ? 'stderr' : 'stdout'));
  });
  const r = await withStopOnSignal(c, id, false, () => c.api['container.logs']({ name: id, follow: true }));
  await chain;
  return r.exitCode ?? (await c.api['container.wait']({ name: id })).exitCode;
}

// -t/--time of stop and restart: whole seconds, 10 when not given.
function timeoutOption(a: ParsedArgs): number {
  const t = str(a.values.time);
  if (t !== undefined && !/^\d+$/.test(t)) throw new Error(`invalid timeout ${t}: want a number of seconds`);
  return t === undefined ? 10 : Number(t);
}
