import { describe, expect, it } from 'vitest';
import { envList, parseCommandArgs, requireArgs } from './args';
import { UsageError, type Command } from './command';
import { allCommands } from './commands';
import { commandHelp, GROUPS, groupHelp, topHelp } from './help';

const COMMANDS = await allCommands();

const cmd = (name: string) => COMMANDS.find((c) => c.name === name)!;

describe('one declaration per verb', () => {
  it('every verb has a summary and examples, every visible option a description', () => {
    for (const c of COMMANDS) {
      expect(c.summary, c.name).toMatch(/\w/);
      expect(c.examples.length, c.name).toBeGreaterThan(0);
      for (const e of c.examples) expect(e.startsWith('berth ') || e.startsWith('sudo berth '), e).toBe(true);
      for (const [k, o] of Object.entries(c.options ?? {})) expect(o.description, `${c.name} --${k}`).toMatch(/\w/);
    }
  });

  it('every group of verbs has a summary line, and no summary names a group that has none', () => {
    const groups = [...new Set(COMMANDS.filter((c) => c.name.includes(' ')).map((c) => c.name.split(' ')[0]))];
    for (const g of groups) expect(GROUPS[g], g).toMatch(/\w/);
    expect(Object.keys(GROUPS).sort()).toEqual(groups.sort());
    const top = topHelp(COMMANDS, '1.0').split('\n');
    for (const g of groups) expect(top.find((l) => l.startsWith(`  ${g} `))?.slice(2 + g.length).trim(), g).toBe(GROUPS[g]);
  });

  it("the container group lists Docker's container verbs once each; a verb's help names all its names", () => {
    const g = groupHelp('container', COMMANDS).split('\n');
    const listed = g.slice(g.indexOf('Commands:') + 1).filter((l) => /^ {2}\w/.test(l)).map((l) => l.trim().split(/\s+/)[0]);
    expect(listed).toEqual(['attach', 'exec', 'inspect', 'kill', 'logs', 'ls', 'port', 'prune', 'restart', 'rm', 'run', 'start', 'stop', 'wait']);
    for (const v of listed.filter((v) => v !== 'ls' && v !== 'prune' && v !== 'inspect')) expect(cmd(`container ${v}`).summary, v).toBe(cmd(v).summary);
    // Docker's container inspect: containers only, a verb of its own (no --type, no alias)
    expect(cmd('container inspect').aliasOf).toBeUndefined();
    expect(Object.keys(cmd('container inspect').options ?? {})).toEqual(['format']);
    expect(commandHelp(cmd('port'), COMMANDS)).toContain('Aliases:\n  berth container port, berth port\n');
    expect(commandHelp(cmd('container port'), COMMANDS)).toMatch(/\nCommands:\n {2}add {3}.*\n {2}rm {4}/);
    expect(commandHelp(cmd('container port add'), COMMANDS)).toContain('Aliases:\n  berth container port add, berth port add\n');
    expect(cmd('container ls').options).toBe(cmd('ps').options);
    const aliases = 'Aliases:\n  berth container ls, berth container list, berth container ps, berth ps\n';
    expect(commandHelp(cmd('ps'), COMMANDS)).toContain(aliases);
    expect(commandHelp(cmd('container list'), COMMANDS)).toContain(aliases);
    expect(commandHelp(cmd('container run'), COMMANDS)).toContain('Aliases:\n  berth container run, berth run\n');
    expect(commandHelp(cmd('network ls'), COMMANDS)).not.toContain('Aliases:');
    // the group's verbs are not listed again among the top-level ones
    expect(topHelp(COMMANDS, '1.0')).not.toMatch(/^ {2}container (ls|run)/m);
  });

  it("help is generated from it, in Docker's layout", () => {
    const h = commandHelp(cmd('ps'), COMMANDS);
    expect(h.split('\n').slice(0, 3)).toEqual(['Usage:  berth ps [OPTIONS]', '', 'List containers']);
    expect(h).toContain('  -a, --all             Show all containers (default shows just running)');
    expect(h).toContain('      --format string   Format output');
    expect(h).toContain('  -h, --help            Print usage');
    expect(h).toMatch(/Examples:\n {2}berth ps -a\n/);
    // run takes -h for --hostname, like docker run: help is --help only
    const r = commandHelp(cmd('run'), COMMANDS);
    expect(r).toContain('-h, --hostname string');
    expect(r).toContain('      --help ');
    expect(r).not.toContain('--net '); // hidden alias
    expect(groupHelp('network', COMMANDS)).toMatch(/^Usage: {2}berth network COMMAND\n\nManage networks\n\nCommands:\n {2}create /);
    expect(topHelp(COMMANDS, '1.0')).toContain('  network     Manage networks');
  });
});

describe('argument parsing', () => {
  it('run: options stop at the command line, -- also works', () => {
    const a = parseCommandArgs(cmd('run'), ['-d', '--name', 'x', '-p', '80', 'sh', '-c', 'echo -d']);
    expect(a.values).toMatchObject({ detach: true, name: 'x', publish: ['80'] });
    expect(a.rest).toEqual(['sh', '-c', 'echo -d']);
    const b = parseCommandArgs(cmd('run'), ['-dp', '8080:80', '--', 'ls', '-l']);
    expect(b.values).toMatchObject({ detach: true, publish: ['8080:80'] });
    expect(b.rest).toEqual(['ls', '-l']);
    expect(parseCommandArgs(cmd('run'), ['-h', 'box', 'true']).values.hostname).toBe('box');
  });

  it('-h and --help ask for help on any verb but run', () => {
    expect(parseCommandArgs(cmd('ps'), ['-a', '-h']).values.help).toBe(true);
    expect(parseCommandArgs(cmd('network create'), ['--help']).values.help).toBe(true);
    expect(parseCommandArgs(cmd('run'), ['--help']).values.help).toBe(true);
  });

  it("flag errors in Docker's words, exit 125", () => {
    const err = (c: string, argv: string[]) => {
      try {
        parseCommandArgs(cmd(c), argv);
      } catch (e) {
        expect(e).toBeInstanceOf(UsageError);
        return [(e as UsageError).message, (e as UsageError).code];
      }
      return null;
    };
    expect(err('ps', ['--bogus'])).toEqual(['unknown flag: --bogus', 125]);
    expect(err('ps', ['-z'])).toEqual(['unknown flag: -z', 125]);
    expect(err('run', ['--name'])).toEqual(['flag needs an argument: --name', 125]);
    expect(err('logs', ['x', '-n'])).toEqual(['flag needs an argument: --tail', 125]);
    expect(err('run', ['--rm=yes', 'x'])).toEqual(['flag --rm takes no value', 125]);
  });

  it("arity errors as Docker's", () => {
    const c = { name: 'rm' } as Command;
    expect(() => requireArgs(c, [], 1)).toThrow('"berth rm" requires at least 1 argument.');
    expect(() => requireArgs({ name: 'logs' } as Command, ['a', 'b'], 1, 1)).toThrow('"berth logs" requires exactly 1 argument.');
    expect(() => requireArgs({ name: 'port' } as Command, ['a', 'b', 'c'], 1, 2)).toThrow('"berth port" requires at most 2 arguments.');
  });

  it('-e KEY takes the value from the caller, and is dropped when unset (docker run -e)', () => {
    expect(envList(['A=1', 'HOME', 'UNSET_X', 'B='], { HOME: '/home/u' })).toEqual(['A=1', 'HOME=/home/u', 'B=']);
    expect(() => envList(['=x'], {})).toThrow(/invalid environment variable/);
  });
});
