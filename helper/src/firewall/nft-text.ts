// nft's JSON (`nft -j list …`) spelled back the way `nft list` prints it
// (nftables 1.0.6). The one printer of nft JSON: the nftables backend
// compares its text with the rules nft-render.ts writes, and host inspection
// shows it to the user as "the rule as nft prints it". It knows the
// expressions rules use (meta/payload/ct/fib matches, counters, verdicts,
// dnat/snat, masquerade); anything else is spelled as its JSON, so it never
// equals a rendered rule and shows up as extra.

type Obj = Record<string, any>; // nft's JSON schema is open-ended; every read below is checked

// Interface names are the only strings nft prints in quotes.
const QUOTED_META = new Set(['iifname', 'oifname']);
const BARE_VERDICTS = new Set(['accept', 'drop', 'reject', 'return', 'masquerade', 'redirect', 'queue']);

const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);

// One rule: its expressions, then its comment as nft appends it.
export function nftRuleText(expr: unknown, comment?: unknown): string {
  const words = (Array.isArray(expr) ? expr : []).map(nftExprText).join(' ');
  return typeof comment === 'string' ? `${words} comment "${comment}"` : words;
}

// The first key of an expression object is its kind: {"match": {...}}.
export function exprKind(e: unknown): [string, any] {
  return isObj(e) ? (Object.entries(e)[0] ?? ['', null]) : ['', null];
}

export function nftExprText(e: unknown): string {
  const [k, v] = exprKind(e);
  if (k === 'match' && isObj(v)) {
    const op = v.op === '==' || v.op === 'in' ? '' : `${v.op} `;
    return `${nftOperand(v.left)} ${op}${nftValue(v.right, quotesValue(v.left))}`;
  }
  if (k === 'counter' && isObj(v)) return `counter packets ${v.packets} bytes ${v.bytes}`;
  if (BARE_VERDICTS.has(k) && v === null) return k;
  if ((k === 'jump' || k === 'goto') && isObj(v)) return `${k} ${v.target}`;
  if ((k === 'dnat' || k === 'snat') && isNatTarget(v)) {
    const family = v.family ? `${v.family} ` : '';
    // an IPv6 address with a port in brackets, as nft prints it: dnat to [fd00::2]:80
    const addr = v.port !== undefined && v.addr.includes(':') ? `[${v.addr}]` : v.addr;
    return `${k} ${family}to ${addr}${v.port !== undefined ? `:${v.port}` : ''}`;
  }
  return JSON.stringify(e);
}

// dnat/snat to one address (and port): the form Berth and the engines it
// reads write. Maps, ranges and flags stay JSON.
function isNatTarget(v: unknown): v is { family?: string; addr: string; port?: number } {
  return isObj(v) && typeof v.addr === 'string' && Object.keys(v).every((x) => x === 'family' || x === 'addr' || x === 'port');
}

const quotesValue = (left: unknown) => isObj(left) && isObj(left.meta) && QUOTED_META.has(left.meta.key);

// The left side of a match: what is being looked at.
export function nftOperand(l: unknown): string {
  if (!isObj(l)) return JSON.stringify(l);
  if (isObj(l.meta)) return QUOTED_META.has(l.meta.key) ? l.meta.key : `meta ${l.meta.key}`;
  if (isObj(l.payload)) {
    const p = l.payload;
    return p.protocol ? `${p.protocol} ${p.field}` : `@${p.base},${p.offset},${p.len}`;
  }
  if (isObj(l.ct)) return `ct ${l.ct.key}`;
  if (isObj(l.fib)) {
    const flags = Array.isArray(l.fib.flags) ? l.fib.flags.join(' . ') : String(l.fib.flags);
    return `fib ${flags} ${l.fib.result}`;
  }
  return JSON.stringify(l);
}

// The right side of a match: a value, flags, a prefix, a set, a range.
export function nftValue(r: unknown, quote = false): string {
  const one = (x: unknown): string =>
    typeof x === 'string' ? (quote ? `"${x}"` : x) : isObj(x) || Array.isArray(x) ? nftValue(x, quote) : String(x);
  if (Array.isArray(r)) return r.map(one).join(','); // flags: ct state established,related
  if (!isObj(r)) return one(r);
  if (isObj(r.prefix)) return `${r.prefix.addr}/${r.prefix.len}`;
  if (Array.isArray(r.set)) return `{ ${r.set.map(one).sort().join(', ')} }`; // nft lists set elements sorted
  if (Array.isArray(r.range) && r.range.length === 2) return `${one(r.range[0])}-${one(r.range[1])}`;
  if (Array.isArray(r.concat)) return r.concat.map(one).join(' . ');
  return JSON.stringify(r);
}
