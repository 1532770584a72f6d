import { once } from 'node:events';
import { OWNERS, type OwnerName } from '../../../../src/shared/owners';
import { invalid } from '../../../../src/shared/errors';
import type { Command } from '../command';
import { outStream, wasMade, writeText } from '../io';

const s = (v: unknown) => (typeof v === 'string' ? v : undefined);

function format(v: unknown, allowed: string[]): string {
  const f = s(v) ?? allowed[0];
  if (!allowed.includes(f)) throw invalid(`--format must be one of ${allowed.join(', ')}`);
  return f;
}

export const natCommands: Command[] = [
  {
    name: 'nat ls',
    summary: 'List every firewall rule on the host, decoded, with its owner',
    options: {
      table: { type: 'string', short: 't', value: 'string', description: 'Only rules of this table: filter, nat, mangle, raw' },
      owner: { type: 'string', value: 'string', description: `Only rules of this owner: ${OWNERS.join(', ')}` },
      family: { type: 'string', value: 'string', description: 'ipv4 or ipv6' },
      format: { type: 'string', value: 'string', description: 'table (default), json (one object per line), or raw (the rules as iptables-save/nft print them)' },
      'no-trunc': { type: 'boolean', description: "Don't truncate the table's cells (it is then printed once every rule is read)" },
    },
    examples: ['berth nat ls', 'berth nat ls --table nat --owner docker', 'berth nat ls --format raw', 'berth nat ls --no-trunc'],
    async run(ctx, a) {
      const fmt = format(a.values.format, ['table', 'json', 'raw']);
      const owner = s(a.values.owner);
      if (owner !== undefined && !(OWNERS as readonly string[]).includes(owner)) throw invalid(`--owner must be one of ${OWNERS.join(', ')}`);
      const family = s(a.values.family);
      if (family !== undefined && family !== 'ipv4' && family !== 'ipv6') throw invalid('--family must be ipv4 or ipv6');
      const c = await ctx.client();
      const filters = { table: s(a.values.table), owner: owner as OwnerName | undefined, family: family as 'ipv4' | 'ipv6' | undefined };
      // The output as the helper writes it while it reads (nat.text, bytes
      // frames): copied to stdout as it comes, nothing parsed; while stdout
      // is full the socket is not read, so the helper waits (docs/architecture.md
      // "How a request flows").
      // node:crypto loaded here only: at the top it cost every CLI command ~2.5 ms of CPU (docs/architecture.md#the-cli-start)
      const stream = (await import('node:crypto')).randomBytes(6).toString('hex');
      // Written straight to the descriptor (io.ts writeText): into a full
      // pipe the write blocks, and the socket is not read meanwhile, as with
      // the stream. Bun's stream for stdout cost ~4.5 ms of CPU to make and
      // more per write (docs/architecture.md#the-cli-start); it takes over
      // once a non-blocking descriptor would block.
      // One wait for 'drain' however many frames arrive meanwhile (those
      // already read when the socket paused): a wait per frame added a
      // 'drain' and an 'error' listener each, and Node warned of a leak.
      let full: Promise<void> | undefined;
      const off = c.onBytes((id, bytes) => {
        if (id !== stream) return;
        if (!wasMade('stdout')) return void writeText('stdout', bytes);
        const out = outStream('stdout');
        if (out.write(bytes)) return;
        full ??= once(out, 'drain').then(() => {}, () => {}).finally(() => (full = undefined));
        return full;
      });
      try {
        const res = await c.api['nat.text']({ ...filters, format: fmt as 'table' | 'json' | 'raw', noTrunc: a.values['no-trunc'] === true, stream });
        for (const e of res.errors) ctx.err(`warning: could not read ${e}`);
      } finally {
        off();
      }
      return 0;
    },
  },
];
