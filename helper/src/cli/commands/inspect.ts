import type { Finding } from '../../../../src/shared/inspect';
import { invalid } from '../../../../src/shared/errors';
import { table, type Command } from '../command';
import { json } from '../text';

const s = (v: unknown) => (typeof v === 'string' ? v : undefined);
const many = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : []);
const quote = (w: string) => (/^[\w@%+=:,./!-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`);
const argv = (c: string[]) => c.map(quote).join(' ');

function format(v: unknown, allowed: string[]): string {
  const f = s(v) ?? allowed[0];
  if (!allowed.includes(f)) throw invalid(`--format must be one of ${allowed.join(', ')}`);
  return f;
}

function printFindings(out: (l: string) => void, findings: Finding[]) {
  if (findings.length === 0) return out('Nothing stale found.');
  for (const f of findings) {
    out(`${f.id}  ${f.kind}  owner=${f.owner}  risk=${f.risk}`);
    out(`    ${f.reason}`);
    for (const e of f.evidence) out(`    evidence: ${e}`);
    for (const c of f.commands) out(`    fix: ${argv(c)}`);
  }
  const safe = findings.filter((f) => f.risk === 'safe').length;
  out(`\n${findings.length} findings (${safe} Berth-owned, ${findings.length - safe} foreign). ` +
    'Apply with: berth cleanup --apply [--include-foreign] [--only ID]...');
}

export const commands: Command[] = [
  {
    name: 'host inspect',
    summary: 'Show the whole host: links, namespaces, sockets, rules, and their owners',
    options: { format: { type: 'string', value: 'string', description: 'table (default) or json' } },
    examples: ['berth host inspect', 'berth host inspect --format json'],
    async run(ctx, a) {
      const fmt = format(a.values.format, ['table', 'json']);
      const c = await ctx.client();
      const h = await c.api['host.inspect']({});
      if (fmt === 'json') {
        ctx.out(json(h));
        return 0;
      }
      ctx.out(table(['LINK', 'KIND', 'STATE', 'MASTER', 'PEER', 'ADDRESSES', 'OWNER'],
        h.links.map((l) => [l.name, l.kind, l.state, l.master ?? '', l.peer ?? '', l.addresses.filter((x) => !x.startsWith('fe80:')).join(','), l.owner])));
      ctx.out('');
      ctx.out(table(['NETNS', 'PIDS', 'LINKS', 'OWNER'],
        h.netns.map((n) => [n.name ?? n.path, n.processes.slice(0, 3).map((p) => `${p.pid}(${p.comm})`).join(' '), n.links.map((l) => `${l.name} ${l.addresses.join(',')}`.trim()).join('; '), n.owner])));
      ctx.out('');
      const byOwner = new Map<string, number>();
      for (const r of h.rules) byOwner.set(r.owner, (byOwner.get(r.owner) ?? 0) + 1);
      ctx.out(`${h.rules.length} firewall rules: ${[...byOwner].map(([o, n]) => `${o} ${n}`).join(', ')}; ${h.sockets.length} listening sockets; ${h.nftTables.length} nft tables`);
      for (const e of h.errors) ctx.err(`warning: could not read ${e}`);
      return 0;
    },
  },
  {
    name: 'cleanup',
    summary: 'Find stale rules, links and namespaces (dry run); --apply fixes them with a snapshot',
    options: {
      apply: { type: 'boolean', description: 'Remove what was found (a snapshot is saved first; undo with berth cleanup undo)' },
      'include-foreign': { type: 'boolean', description: "Also fix other owners' findings (Docker, CNI, ...)" },
      only: { type: 'string', multiple: true, value: 'id', description: 'Only this finding (repeatable)' },
      format: { type: 'string', value: 'string', description: 'table (default) or json' },
    },
    examples: ['berth cleanup', 'berth cleanup --apply', 'berth cleanup --apply --include-foreign --only f3'],
    async run(ctx, a) {
      const fmt = format(a.values.format, ['table', 'json']);
      if (a.positionals.length) throw invalid(`unexpected argument "${a.positionals[0]}" (did you mean: berth cleanup undo?)`);
      const c = await ctx.client();
      const ids = many(a.values.only);
      if (!a.values.apply) {
        const plan = await c.api['cleanup.plan']({});
        const shown = ids.length ? plan.findings.filter((f) => ids.includes(f.id)) : plan.findings;
        if (fmt === 'json') ctx.out(json({ ...plan, findings: shown }));
        else printFindings(ctx.out, shown);
        return 0;
      }
      const res = await c.api['cleanup.apply']({ ids: ids.length ? ids : undefined, includeForeign: a.values['include-foreign'] === true });
      if (fmt === 'json') ctx.out(json(res));
      else {
        ctx.out(`Applied ${res.applied.length} fixes (snapshot ${res.snapshotId}; undo with: berth cleanup undo)`);
        for (const f of res.failed) ctx.err(`failed ${f.id}: ${f.error}`);
      }
      return res.failed.length ? 1 : 0;
    },
  },
  {
    name: 'cleanup undo',
    summary: 'Restore what the last cleanup removed',
    options: { format: { type: 'string', value: 'string', description: 'table (default) or json' } },
    examples: ['berth cleanup undo'],
    async run(ctx, a) {
      const fmt = format(a.values.format, ['table', 'json']);
      const c = await ctx.client();
      const res = await c.api['cleanup.undo']({});
      if (fmt === 'json') ctx.out(json(res));
      else {
        ctx.out(`Restored snapshot ${res.snapshotId}:`);
        for (const r of res.restored) ctx.out(`  ${r}`);
      }
      return 0;
    },
  },
];
