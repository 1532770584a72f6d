import type { NftChain } from './nft-render';

// `nft -j list table ip berth` back into the text nft-render.ts writes, for
// the expressions Berth uses (meta/payload/ct/fib matches, verdicts, dnat,
// masquerade). Anything else is spelled as its JSON, so it never equals a
// rendered rule and shows up as extra.

export interface NftListedTable {
  chains: Map<string, NftChain>;
}

type Obj = Record<string, any>;

export function parseNftTable(objs: unknown[]): NftListedTable {
  const chains = new Map<string, NftChain>();
  for (const o of objs as Obj[]) {
    if (o.chain) {
      const c = o.chain as Obj;
      chains.set(c.name, {
        name: c.name,
        ...(c.hook ? { base: { type: c.type, hook: c.hook, prio: c.prio, policy: c.policy } } : {}),
        rules: [],
      });
    } else if (o.rule) {
      const r = o.rule as Obj;
      const text = (r.expr as Obj[]).map(exprText).join(' ') + (r.comment !== undefined ? ` comment "${r.comment}"` : '');
      chains.get(r.chain)?.rules.push(text);
    }
  }
  return { chains };
}

const IFNAME_KEYS = new Set(['iifname', 'oifname']);

function exprText(e: Obj): string {
  const [k, v] = Object.entries(e)[0] ?? ['', null];
  switch (k) {
    case 'match': {
      const left = operand(v.left);
      const op = v.op === '==' || v.op === 'in' ? '' : `${v.op} `;
      const quote = v.left?.meta && IFNAME_KEYS.has(v.left.meta.key);
      return `${left} ${op}${value(v.right, quote)}`;
    }
    case 'accept':
    case 'drop':
    case 'return':
    case 'masquerade':
      return v === null ? k : JSON.stringify(e);
    case 'jump':
    case 'goto':
      return `${k} ${v.target}`;
    case 'dnat':
      return v && Object.keys(v).every((x) => x === 'addr' || x === 'port') && typeof v.addr === 'string'
        ? `dnat to ${v.addr}${v.port !== undefined ? `:${v.port}` : ''}`
        : JSON.stringify(e);
    default:
      return JSON.stringify(e);
  }
}

function operand(l: Obj): string {
  if (l?.meta) return IFNAME_KEYS.has(l.meta.key) ? l.meta.key : `meta ${l.meta.key}`;
  if (l?.payload && l.payload.protocol) return `${l.payload.protocol} ${l.payload.field}`;
  if (l?.ct) return `ct ${l.ct.key}`;
  if (l?.fib) return `fib ${(l.fib.flags as string[]).join(' . ')} ${l.fib.result}`;
  return JSON.stringify(l);
}

function value(r: unknown, quote: boolean): string {
  const one = (x: unknown) => (typeof x === 'string' && quote ? `"${x}"` : typeof x === 'object' ? JSON.stringify(x) : String(x));
  if (Array.isArray(r)) return r.map(one).join(','); // flags: ct state established,related
  if (r && typeof r === 'object') {
    const o = r as Obj;
    if (o.prefix) return `${o.prefix.addr}/${o.prefix.len}`;
    if (Array.isArray(o.set)) return `{ ${[...o.set].map(one).sort().join(', ')} }`;
    return JSON.stringify(r);
  }
  return one(r);
}
