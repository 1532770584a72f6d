import { BerthError } from '../../../src/shared/errors';
import { connectHelper, resolveSocket, type BerthClient } from '../client/unix-client';
import { parseCommandArgs, str } from './args';
import { UsageError, type CliContext, type Command } from './command';
import { allCommands, commandsOf } from './commands';
import { commandHelp, groupHelp, topHelp } from './help';
import { readLine, writeText } from './io';
import { VERSION } from '../version';

// The verb named by argv's first words, the longest name that matches:
// 'container port add' before 'container port', 'port add' before 'port'.
export function findCommand(argv: string[], commands: Command[]): Command | undefined {
  let found: Command | undefined;
  let words = 0;
  for (const c of commands) {
    const n = c.name.split(' ').length;
    if (n > words && c.name === argv.slice(0, n).join(' ')) [found, words] = [c, n];
  }
  return found;
}
const isGroup = (w: string | undefined, commands: Command[]) => w !== undefined && commands.some((c) => c.name.startsWith(`${w} `));

// Where the CLI's own lines go (a verb's output goes through its context,
// which writes here too): the process's streams, or a test's buffers.
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}
const processIo: CliIo = {
  out: (l) => writeText('stdout', l + '\n'),
  err: (l) => writeText('stderr', l + '\n'),
};

// One `berth` invocation: argv in, exit code out.
export async function runCli(argv: string[], io: CliIo = processIo): Promise<number> {
  // the per-container shim the helper starts (kernel/shim.ts): not a verb; its
  // stdout is a pipe the helper already closed, so it exits here, with the container's status
  if (argv[0] === 'shim-internal' && argv.length === 1) process.exit(await (await import('../shim-main')).shimMain());
  // `berth --socket P ps` as well as `berth ps --socket P`
  let socket: string | undefined;
  while (argv[0] === '--socket' || argv[0]?.startsWith('--socket=')) {
    socket = argv[0] === '--socket' ? argv[1] : argv[0].slice('--socket='.length);
    argv = argv.slice(argv[0] === '--socket' ? 2 : 1);
  }
  const out = io.out;
  // Every error the CLI prints has one shape: `Error: …` on stderr.
  function fail(msg: string, hint: string, code: number): number {
    io.err(`Error: ${msg}${hint ? `\n${hint}` : ''}`);
    return code;
  }
  if (!argv.length) {
    io.err(topHelp(await allCommands(), VERSION));
    return 1;
  }
  if (argv[0] === '--help' || argv[0] === '-h') return out(topHelp(await allCommands(), VERSION)), 0;
  if (argv[0] === '--version' || argv[0] === '-v') argv = ['version'];
  // `berth help`, `berth help ps`, `berth help network create`
  if (argv[0] === 'help') {
    const words = argv.slice(1);
    const all = await allCommands();
    if (!words.length) return out(topHelp(all, VERSION)), 0;
    const c = findCommand(words, all);
    if (c && c.name.split(' ').length >= Math.min(words.length, 2)) return out(commandHelp(c, all)), 0;
    if (isGroup(words[0], all) && words.length === 1) return out(groupHelp(words[0], all)), 0;
    return fail(`unknown help topic: ${words.join(' ')}`, "See 'berth --help'.", 1);
  }
  // only the verb's own area is loaded: every verb that starts with argv[0] is in it (commands/index.ts)
  const commands = await commandsOf(argv[0]);
  const cmd = findCommand(argv, commands);
  if (!cmd || (isGroup(argv[0], commands) && argv[1] !== undefined && !argv[1].startsWith('-') && cmd.name === argv[0] && !cmd.args)) {
    if (isGroup(argv[0], commands)) {
      // `berth network` alone prints the group's verbs, as `docker network` does
      if (argv.length === 1 || argv[1] === '--help' || argv[1] === '-h') return out(groupHelp(argv[0], commands)), 0;
      return fail(`'${argv[1]}' is not a berth ${argv[0]} command.`, `See 'berth ${argv[0]} --help'.`, 1);
    }
    return fail(`'${argv[0]}' is not a berth command.`, "See 'berth --help'.", 1);
  }
  const rest = argv.slice(cmd.name.split(' ').length);
  let client: BerthClient | null = null;
  try {
    const args = parseCommandArgs(cmd, rest);
    if (args.values.help === true) return out(commandHelp(cmd, await allCommands())), 0;
    const socketPath = resolveSocket(str(args.values.socket) ?? socket);
    const ctx: CliContext = {
      socketPath,
      async client() {
        client ??= await connectHelper(socketPath);
        return client;
      },
      out,
      err: io.err,
      // not process.stdin.isTTY: the first touch of process.stdin builds its stream (~3 ms of every command's CPU);
      // node:tty loaded only here: on Bun it is built at its first load (~5 ms of CPU), and only a prompt asks
      // (docs/architecture.md#the-cli-start)
      stdinIsTTY: async () => (await import('node:tty')).isatty(0),
      readLine,
    };
    return await cmd.run(ctx, args);
  } catch (e) {
    // `run` under any of its names (`container run`)
    const isRun = (cmd.aliasOf ?? cmd.name) === 'run';
    if (e instanceof UsageError) return fail(e.message, `See 'berth ${cmd.name} --help'.`, isRun ? 125 : e.code);
    const msg = e instanceof Error ? e.message : String(e);
    // `run` fails before the command ran: Docker's 125 (126/127: the command cannot be run)
    const code = e instanceof BerthError && typeof (e.details as { exitCode?: unknown })?.exitCode === 'number'
      ? (e.details as { exitCode: number }).exitCode
      : isRun ? 125 : 1;
    return fail(msg, '', code);
  } finally {
    (client as BerthClient | null)?.close();
  }
}
