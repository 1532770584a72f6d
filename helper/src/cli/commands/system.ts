import { resolve } from 'node:path';
import { str } from '../args';
import type { Command } from '../command';
import type { SystemInfo } from '../../../../src/shared/system';
import { FIREWALL_CHOICES, type FirewallChoice } from '../../firewall/flag-values';
import { VERSION } from '../../version';

// `berth helper` and `berth helper start` are the same verb: start is what a
// newcomer types after reading `helper stop` and `helper status`.
const helperVerb: Pick<Command, 'options' | 'examples' | 'run'> = {
  options: {
    'data-root': { type: 'string', value: 'dir', description: "Where the helper keeps its state (default /var/lib/berth)" },
    owner: { type: 'string', value: 'uid', description: 'The user who may talk to the helper (default: the user who ran sudo)' },
    foreground: { type: 'boolean', description: 'Stay in the foreground instead of daemonizing' },
    // start although the store is empty, missing or unusable while the kernel holds Berth's objects (they are removed)
    reset: { type: 'boolean', description: "Start although the store is empty or unusable while the kernel holds Berth's objects (they are removed)" },
    'drift-interval': { type: 'string', value: 'ms', description: "How often to check that Berth's rules are still in place (default 3000)" },
    // auto: iptables where it works, else nftables (table ip berth)
    firewall: { type: 'string', value: 'string', description: 'iptables, nftables or auto (default: iptables where iptables-save works, else nftables)' },
    'docker-socket': { type: 'string', value: 'path', description: "Docker's API socket, asked for the names of Docker's containers and networks (default /var/run/docker.sock)" },
  },
  examples: ['sudo berth helper', 'sudo berth helper --socket /tmp/b.sock --data-root /tmp/b --foreground', 'sudo berth helper --firewall nftables'],
  async run(ctx, a) {
    const owner = str(a.values.owner) ?? process.env.SUDO_UID ?? process.env.PKEXEC_UID ?? String(process.getuid?.() ?? 0);
    if (!/^\d+$/.test(owner)) {
      ctx.err(`invalid --owner ${owner}: want a numeric uid`);
      return 1;
    }
    const firewall = str(a.values.firewall) ?? 'auto';
    if (!(FIREWALL_CHOICES as string[]).includes(firewall)) {
      ctx.err(`invalid --firewall ${firewall}: want ${FIREWALL_CHOICES.join(', ')}`);
      return 1;
    }
    const argv = process.argv.slice(2).filter((x) => x !== '--foreground');
    const di = Number(str(a.values['drift-interval']) ?? '3000');
    // the engine and its packages load only for this verb
    const { helperMain } = await import('../../helper-main');
    return helperMain(
      {
        socketPath: resolve(ctx.socketPath),
        dataRoot: resolve(str(a.values['data-root']) ?? '/var/lib/berth'),
        ownerUid: Number(owner),
        foreground: a.values.foreground === true,
        reset: a.values.reset === true,
        driftIntervalMs: Number.isFinite(di) && di >= 200 ? di : 3000,
        firewall: firewall as FirewallChoice,
        dockerSocket: str(a.values['docker-socket']) ? resolve(str(a.values['docker-socket'])!) : undefined,
      },
      ownerless(argv),
    );
  },
};

export const systemCommands: Command[] = [
  {
    name: 'helper',
    summary: 'Run the privileged helper (root): the engine behind the CLI and the app',
    ...helperVerb,
  },
  {
    name: 'helper start',
    summary: 'Start the privileged helper (root); the same as `berth helper`',
    ...helperVerb,
    examples: ['sudo berth helper start', 'sudo berth helper start --firewall nftables'],
  },
  {
    name: 'helper status',
    summary: 'Show whether the helper runs: pid, socket, data root, owner, firewall backend, uptime',
    options: { format: { type: 'string', value: 'string', description: 'json for the raw answer' } },
    examples: ['berth helper status', 'berth helper status --format json'],
    async run(ctx, a) {
      let i;
      try {
        i = await (await ctx.client()).api['system.info']({});
      } catch (e) {
        // not running is an answer, not an error (exit 3 like `systemctl status` of a stopped unit)
        if (a.values.format === 'json') ctx.out(JSON.stringify({ running: false, socket: ctx.socketPath, reason: (e as Error).message }));
        else ctx.out(labelled('Helper', `not running (${(e as Error).message})`));
        return 3;
      }
      if (a.values.format === 'json') ctx.out(JSON.stringify({ running: true, ...i }, null, 2));
      else for (const l of infoLines(i, 'status')) ctx.out(l);
      return 0;
    },
  },
  {
    name: 'helper stop',
    summary: 'Stop the helper (containers keep running; the next `berth helper` picks them up)',
    examples: ['berth helper stop'],
    async run(ctx) {
      const c = await ctx.client();
      const { pid } = await c.api['system.info']({});
      await c.api['system.shutdown']({});
      c.close(); // the helper waits for its clients to leave before it ends
      // done when the process is gone, so a script can start another right after
      for (let i = 0; i < 300 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
      if (alive(pid)) {
        ctx.err(`the helper (pid ${pid}) is still stopping after 30 s`);
        return 1;
      }
      ctx.out(`helper stopped (pid ${pid}); containers keep running`);
      return 0;
    },
  },
  {
    name: 'info',
    summary: 'Show the helper: version, firewall backend, kernel, what it changed on the host',
    options: { format: { type: 'string', value: 'string', description: 'json for the raw answer' } },
    examples: ['berth info', 'berth info --format json'],
    async run(ctx, a) {
      const i = await (await ctx.client()).api['system.info']({});
      if (a.values.format === 'json') ctx.out(JSON.stringify(i, null, 2));
      else for (const l of infoLines(i, 'info')) ctx.out(l);
      return 0;
    },
  },
  {
    name: 'doctor',
    summary: "Compare the kernel with Berth's state: what is missing, extra and healthy; puts back what is missing",
    options: { format: { type: 'string', value: 'string', description: 'json for the raw answer' } },
    examples: ['berth doctor'],
    async run(ctx, a) {
      const r = await (await ctx.client()).api['doctor']({});
      if (a.values.format === 'json') {
        ctx.out(JSON.stringify(r, null, 2));
        return 0;
      }
      for (const l of r.healthy) ctx.out(`ok       ${l}`);
      for (const l of r.missing) ctx.out(`missing  ${l}`);
      for (const l of r.extra) ctx.out(`extra    ${l}`);
      for (const l of r.warnings ?? []) ctx.out(`WARNING  ${l}`);
      if (r.healed) ctx.out(`healed: ${r.missing.length} missing put back, ${r.extra.length} extra removed`);
      else if (!r.missing.length && !r.extra.length) ctx.out('everything Berth owns is in place');
      return 0;
    },
  },
  {
    name: 'system reset',
    summary: 'With no containers or networks left: remove berth0 and Berth\'s rules, put back what Berth changed on the host, stop the helper',
    options: { format: { type: 'string', value: 'string', description: 'json for the raw answer' } },
    examples: ['berth rm -f $(berth ps -aq); berth network prune; berth system reset'],
    async run(ctx, a) {
      const r = await (await ctx.client()).api['system.reset']({});
      if (a.values.format === 'json') {
        ctx.out(JSON.stringify(r, null, 2));
        return 0;
      }
      for (const l of r.removed) ctx.out(`removed   ${l}`);
      for (const l of r.restored) ctx.out(`restored  ${l}`);
      for (const l of r.kept) ctx.out(`kept      ${l}`);
      if (r.userRules.length) ctx.out(`your rules in BERTH-USER/berth-user went with the chain; to put them elsewhere:\n${r.userRules.map((x) => `  ${x}`).join('\n')}`);
      ctx.out('the helper has stopped; the host is as Berth found it');
      return 0;
    },
  },
  {
    name: 'version',
    summary: 'Show the version',
    examples: ['berth version', 'berth --version'],
    async run(ctx) {
      ctx.out(`berth ${VERSION}`);
      return 0;
    },
  },
];

// `helper status` (is it up, and since when) and `info` (what it did to the
// host) print the same labelled lines from system.info, each its own rows.
const labelled = (label: string, value: string) => `${label}:`.padEnd(17) + value;
function infoLines(i: SystemInfo, view: 'status' | 'info'): string[] {
  const status = view === 'status';
  const rows: [string, string][] = [
    ['Helper', `${status ? 'running, ' : ''}berth ${i.version} (pid ${i.pid})`],
    ['Socket', i.socket],
    ['Data root', i.dataRoot],
  ];
  if (status) rows.push(['Owner', `uid ${i.ownerUid}`]);
  rows.push(['Firewall', i.firewallBackend]);
  if (status) rows.push(['Up since', `${i.startedAt} (${uptime(i.startedAt)})`]);
  else {
    rows.push(['Kernel', i.kernel]);
    for (const c of i.hostChanges) rows.push(['Host change', c]);
    for (const w of i.warnings) rows.push(['WARNING', w]);
  }
  return rows.map(([l, v]) => labelled(l, v));
}

// The daemon child gets --owner explicitly; drop any the user gave.
function ownerless(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--owner') i++;
    else if (!argv[i].startsWith('--owner=')) out.push(argv[i]);
  }
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, someone else's (root's)
  }
}

function uptime(since: string): string {
  const s = Math.max(0, Math.round((Date.now() - Date.parse(since)) / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `up ${h}h ${m}m` : m ? `up ${m}m ${s % 60}s` : `up ${s}s`;
}
