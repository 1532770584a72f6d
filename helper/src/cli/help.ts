import { optionsOf } from './args';
import { GLOBAL_OPTIONS, type Command, type OptionSpec } from './command';

// Help text, generated from the verbs' declarations in Docker's layout.

// What the groups of verbs manage (`berth network`, `berth nat`, ...): one
// for every group (args.test.ts checks each group of the verbs has its line).
export const GROUPS: Record<string, string> = {
  network: 'Manage networks',
  container: 'Manage containers',
  port: "List, publish and unpublish a container's ports",
  nat: "Read the host's firewall rules",
  host: 'Look at the whole host',
  cleanup: 'Find and remove stale rules, links and namespaces',
  helper: 'Run the privileged helper (root), see whether it runs, stop it',
  system: 'Manage Berth on this host',
};

const words = (c: Command) => c.name.split(' ');

function optionLines(specs: Record<string, OptionSpec>): string[] {
  const rows = Object.entries(specs)
    .filter(([, o]) => !o.hidden)
    .map(([long, o]) => {
      const flag = `${o.short ? `-${o.short}, ` : '    '}--${long}${o.type === 'string' ? ` ${o.value ?? 'string'}` : ''}`;
      return [flag, o.description] as const;
    });
  const w = Math.max(...rows.map(([f]) => f.length)) + 3;
  return rows.map(([f, d]) => `  ${f.padEnd(w)}${d}`);
}

export function usageLine(c: Command): string {
  const hasOptions = Object.values(c.options ?? {}).some((o) => !o.hidden);
  return `berth ${c.name}${hasOptions ? ' [OPTIONS]' : ''}${c.args ? ` ${c.args}` : ''}`;
}

export function commandHelp(c: Command, all: Command[]): string {
  const { socket: _socket, ...own } = optionsOf(c);
  const lines = [`Usage:  ${usageLine(c)}`, '', c.summary];
  // Docker's "Aliases:": every name of this verb, the listed grouped one first, the verb's own last
  const rank = (x: Command) => (x.aliasOf ? Number(!!x.hidden) : 2);
  const names = all.filter((x) => (x.aliasOf ?? x.name) === (c.aliasOf ?? c.name)).sort((a, b) => rank(a) - rank(b));
  if (names.length > 1) lines.push('', 'Aliases:', `  ${names.map((x) => `berth ${x.name}`).join(', ')}`);
  const subs = all.filter((x) => x.name.startsWith(`${c.name} `));
  if (subs.length) lines.push('', 'Commands:', ...verbList(subs, c.name));
  lines.push('', 'Options:', ...optionLines(own));
  lines.push('', 'Global options:', ...optionLines(GLOBAL_OPTIONS));
  lines.push('', 'Examples:', ...c.examples.map((e) => `  ${e}`));
  return lines.join('\n');
}

function verbList(all: Command[], prefix: string): string[] {
  const cs = all.filter((c) => !c.hidden);
  const name = (c: Command) => (prefix ? c.name.slice(prefix.length + 1) : c.name);
  const w = Math.max(...cs.map((c) => name(c).length)) + 3;
  return cs.map((c) => `  ${name(c).padEnd(w)}${c.summary}`);
}

// `berth network`: the verbs of one group (`container port`'s own verbs are in its help).
export function groupHelp(group: string, all: Command[]): string {
  const cs = all.filter((c) => words(c)[0] === group && words(c).length === 2);
  return [
    `Usage:  berth ${group} COMMAND`,
    '',
    GROUPS[group] ?? '',
    '',
    'Commands:',
    ...verbList(cs, group),
    '',
    `Run 'berth ${group} COMMAND --help' for more information on a command.`,
  ].join('\n');
}

export function topHelp(all: Command[], version: string): string {
  const single = all.filter((c) => words(c).length === 1 && !all.some((x) => x.name.startsWith(`${c.name} `)));
  const groups = [...new Set(all.filter((c) => words(c).length > 1).map((c) => words(c)[0]))];
  const gw = Math.max(...groups.map((g) => g.length)) + 3;
  return [
    `Usage:  berth [OPTIONS] COMMAND`,
    '',
    `berth ${version}: see and shape container networks`,
    '',
    'Commands:',
    ...verbList(single, ''),
    '',
    'Management commands:',
    ...groups.map((g) => `  ${g.padEnd(gw)}${GROUPS[g] ?? ''}`),
    '',
    'Global options:',
    ...optionLines({
      ...GLOBAL_OPTIONS,
      help: { type: 'boolean', short: 'h', description: 'Print usage' },
      version: { type: 'boolean', short: 'v', description: 'Print version information and quit' },
    }),
    '',
    "Run 'berth COMMAND --help' for more information on a command.",
    'The helper runs as root (sudo berth helper); every other command talks to it over its socket.',
  ].join('\n');
}
