import { BerthError } from '../../../src/shared/errors';
import { connectHelper, resolveSocket, type BerthClient } from '../client/unix-client';
import { parseCommandArgs } from './args';
import type { CliContext, Command } from './command';
import { COMMANDS } from './commands';
import { VERSION } from '../version';

// Verbs whose first positional starts a command line (options stop there).
const COMMAND_LINE_VERBS = new Set(['run']);

function help(): string {
  const groups = new Map<string, Command[]>();
  for (const c of COMMANDS) {
    const first = c.name.split(' ')[0];
    const g = COMMANDS.some((x) => x.name.startsWith(`${first} `)) ? first : '';
    groups.set(g, [...(groups.get(g) ?? []), c]);
  }
  const lines = [
    `berth ${VERSION}: see and shape container networks`,
    '',
    'Usage: berth [--socket PATH] COMMAND [OPTIONS]',
    '',
    'The helper listens on --socket, $BERTH_SOCKET or /run/berth/berth.sock.',
  ];
  for (const [g, cs] of groups) {
    lines.push('', g ? `${g[0].toUpperCase()}${g.slice(1)} commands:` : 'Commands:');
    for (const c of cs) lines.push(`  ${c.name.padEnd(22)}${c.summary}`);
  }
  lines.push('', 'Run `berth COMMAND --help` for a command\'s options.');
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  let socket: string | undefined;
  while (argv[0]?.startsWith('--socket')) {
    if (argv[0] === '--socket') {
      socket = argv[1];
      argv = argv.slice(2);
    } else {
      socket = argv[0].slice('--socket='.length);
      argv = argv.slice(1);
    }
  }
  if (!argv.length || argv[0] === '--help' || argv[0] === 'help') {
    process.stdout.write(help() + '\n');
    return argv.length ? 0 : 1;
  }
  if (argv[0] === '--version' || argv[0] === '-v') argv = ['version'];
  // `berth helper --socket X` also works: --socket is accepted after the verb
  const si = argv.indexOf('--socket');
  if (si > 0 && argv[si + 1]) {
    socket = argv[si + 1];
    argv = [...argv.slice(0, si), ...argv.slice(si + 2)];
  }
  const cmd =
    COMMANDS.find((c) => c.name.split(' ').length === 2 && c.name === argv.slice(0, 2).join(' ')) ??
    COMMANDS.find((c) => c.name === argv[0]);
  if (!cmd) {
    const group = COMMANDS.filter((c) => c.name.startsWith(`${argv[0]} `));
    process.stderr.write(
      group.length
        ? `Usage: berth ${argv[0]} COMMAND\n\n${group.map((c) => `  ${c.name.padEnd(22)}${c.summary}`).join('\n')}\n`
        : `berth: '${argv[0]}' is not a berth command. See 'berth --help'.\n`,
    );
    return 1;
  }
  const rest = argv.slice(cmd.name.split(' ').length);
  if (rest[0] === '--help') {
    process.stdout.write(`Usage: ${cmd.usage}\n\n${cmd.summary}\n`);
    return 0;
  }
  let client: BerthClient | null = null;
  const socketPath = resolveSocket(socket);
  const ctx: CliContext = {
    socketPath,
    async client() {
      client ??= await connectHelper(socketPath);
      return client;
    },
    out: (l) => process.stdout.write(l + '\n'),
    err: (l) => process.stderr.write(l + '\n'),
  };
  try {
    const args = parseCommandArgs(cmd.options ?? {}, rest, COMMAND_LINE_VERBS.has(cmd.name));
    return await cmd.run(ctx, args);
  } catch (e) {
    const msg = e instanceof BerthError || e instanceof Error ? e.message : String(e);
    process.stderr.write(`Error: ${msg}\n`);
    return e instanceof BerthError && e.kind === 'invalid_argument' && cmd.name === 'run' ? 125 : 1;
  } finally {
    (client as BerthClient | null)?.close();
  }
}

main(process.argv.slice(2)).then(
  // exit once stdout is flushed: into a pipe, writes are asynchronous and exit would cut them
  (code) => process.stdout.write('', () => process.exit(code)),
  (e) => {
    process.stderr.write(`berth: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  },
);
