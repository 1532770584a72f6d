// The subset of Go's text/template that Docker's --format users write:
// fields and nested fields (`.NetworkSettings.IPAddress`), methods with
// arguments (`.Label "k"`), variables, pipes, parentheses, range (with
// `$k, $v :=`), if/else, with, and Docker's functions (json, join, split,
// upper, lower, title, truncate, pad) beside Go's (index, len, printf,
// print, println, eq, ne, lt, le, gt, ge, and, or, not).
//
// Objects whose keys all start with a capital letter are treated as Go
// structs (a missing field is an error, as in Go); any other object is a
// map (a missing key prints "<no value>").

export class TemplateError extends Error {}

type Node =
  | { k: 'text'; s: string }
  | { k: 'action'; p: Pipe }
  | { k: 'if' | 'with'; p: Pipe; then: Node[]; else: Node[] }
  | { k: 'range'; p: Pipe; vars: string[]; body: Node[]; else: Node[] };
interface Pipe {
  decl: string[]; // `$x :=`
  cmds: Arg[][]; // commands joined by `|`, each a list of operands
}
type Arg =
  | { k: 'field'; base: Arg | null; names: string[] } // .A.B or (pipe).A or $x.A
  | { k: 'var'; name: string; names: string[] }
  | { k: 'ident'; name: string }
  | { k: 'lit'; v: unknown }
  | { k: 'pipe'; p: Pipe; names: string[] };

// ---- lexing and parsing

function tokenize(src: string): string[] {
  const toks: string[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '"' || c === '`') {
      let j = i + 1;
      while (j < src.length && src[j] !== c) j += c === '"' && src[j] === '\\' ? 2 : 1;
      if (j >= src.length) throw new TemplateError('unterminated quoted string');
      toks.push(src.slice(i, j + 1));
      i = j + 1;
      continue;
    }
    if (c === '(' || c === ')' || c === '|' || c === ',') {
      toks.push(c);
      i++;
      continue;
    }
    if (src.startsWith(':=', i) || (c === '=' && src[i + 1] !== '=')) {
      toks.push(c === ':' ? ':=' : '=');
      i += c === ':' ? 2 : 1;
      continue;
    }
    const m = /^[^\s()|,"`]+/.exec(src.slice(i));
    if (!m) throw new TemplateError(`unexpected ${JSON.stringify(c)} in command`);
    // `(x).Field`: a field chain right after a closing parenthesis
    toks.push(m[0]);
    i += m[0].length;
  }
  return toks;
}

function unquote(t: string): string {
  if (t[0] === '`') return t.slice(1, -1);
  try {
    return JSON.parse(t) as string;
  } catch {
    throw new TemplateError(`invalid quoted string ${t}`);
  }
}

class PipeParser {
  private i = 0;
  constructor(private readonly t: string[]) {}
  parse(): Pipe {
    const p = this.pipe();
    if (this.i < this.t.length) throw new TemplateError(`unexpected ${JSON.stringify(this.t[this.i])} in operand`);
    return p;
  }
  private pipe(): Pipe {
    const decl: string[] = [];
    // `$x :=` / `$k, $v :=`
    let j = this.i;
    const vars: string[] = [];
    while (this.t[j]?.startsWith('$') && !this.t[j].includes('.')) {
      vars.push(this.t[j]);
      if (this.t[j + 1] === ',') j += 2;
      else {
        j++;
        break;
      }
    }
    if (vars.length && (this.t[j] === ':=' || this.t[j] === '=')) {
      decl.push(...vars);
      this.i = j + 1;
    }
    const cmds: Arg[][] = [];
    for (;;) {
      const args: Arg[] = [];
      while (this.i < this.t.length && this.t[this.i] !== '|' && this.t[this.i] !== ')') args.push(this.operand());
      if (!args.length) throw new TemplateError('missing value for command');
      cmds.push(args);
      if (this.t[this.i] !== '|') break;
      this.i++;
    }
    return { decl, cmds };
  }
  private operand(): Arg {
    const t = this.t[this.i++];
    if (t === '(') {
      const p = this.pipe();
      if (this.t[this.i++] !== ')') throw new TemplateError('unclosed left paren');
      // `(index $conf 0).HostPort`
      const next = this.t[this.i];
      let names: string[] = [];
      if (next?.startsWith('.') && next.length > 1) {
        names = next.slice(1).split('.');
        this.i++;
      }
      return { k: 'pipe', p, names };
    }
    if (t === ',' || t === ':=' || t === '=') throw new TemplateError(`unexpected ${JSON.stringify(t)} in operand`);
    if (t === '.') return { k: 'field', base: null, names: [] };
    if (t.startsWith('.')) {
      const names = t.slice(1).split('.');
      if (names.some((n) => !/^\w+$/.test(n))) throw new TemplateError(`bad field ${t}`);
      return { k: 'field', base: null, names };
    }
    if (t.startsWith('$')) {
      const [name, ...names] = t.split('.');
      return { k: 'var', name, names };
    }
    if (t[0] === '"' || t[0] === '`') return { k: 'lit', v: unquote(t) };
    if (/^-?\d+(\.\d+)?$/.test(t)) return { k: 'lit', v: Number(t) };
    if (t === 'true' || t === 'false') return { k: 'lit', v: t === 'true' };
    if (t === 'nil') return { k: 'lit', v: null };
    if (/^[A-Za-z_]\w*$/.test(t)) {
      if (!(t in FUNCS)) throw new TemplateError(`function "${t}" not defined`);
      return { k: 'ident', name: t };
    }
    throw new TemplateError(`unexpected ${JSON.stringify(t)} in operand`);
  }
}

export function parseTemplate(src: string): Node[] {
  try {
    return parse(src);
  } catch (e) {
    if (e instanceof TemplateError) throw new TemplateError(`template parsing error: template: :1: ${e.message}`);
    throw e;
  }
}

function parse(src: string): Node[] {
  // split into text and {{actions}}, honouring {{- and -}} trim markers
  const parts: ({ text: string } | { action: string })[] = [];
  let i = 0;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    if (open < 0) {
      parts.push({ text: src.slice(i) });
      break;
    }
    let text = src.slice(i, open);
    let start = open + 2;
    if (src.startsWith('- ', start) || src.startsWith('-\t', start) || src.startsWith('-\n', start)) {
      text = text.replace(/\s+$/, '');
      start++;
    }
    const close = src.indexOf('}}', start);
    if (close < 0) throw new TemplateError('unclosed action');
    let body = src.slice(start, close);
    let after = close + 2;
    if (/\s-$/.test(body)) {
      body = body.slice(0, -1);
      const m = /^\s*/.exec(src.slice(after))!;
      after += m[0].length;
    }
    parts.push({ text }, { action: body.trim() });
    i = after;
  }
  let pos = 0;
  // if/with/range up to its {{end}}; `{{else if x}}` is an if inside the else that shares that {{end}}
  const branch = (word: string, pipe: Pipe): Node => {
    const body = block(['end', 'else']);
    let elseNodes: Node[] = [];
    if (body.end !== 'end') {
      const rest = body.end.slice(4).trim();
      const w = /^\w+/.exec(rest)?.[0] ?? '';
      if (w === 'if' || w === 'with') elseNodes = [branch(w, new PipeParser(tokenize(rest.slice(w.length))).parse())];
      else if (rest) throw new TemplateError(`unexpected {{${body.end}}}`);
      else elseNodes = block(['end']).nodes;
    }
    if (word === 'range') return { k: 'range', p: { ...pipe, decl: [] }, vars: pipe.decl, body: body.nodes, else: elseNodes };
    return { k: word as 'if' | 'with', p: pipe, then: body.nodes, else: elseNodes };
  };
  const block = (ends: string[]): { nodes: Node[]; end: string } => {
    const nodes: Node[] = [];
    while (pos < parts.length) {
      const p = parts[pos++];
      if ('text' in p) {
        if (p.text) nodes.push({ k: 'text', s: p.text });
        continue;
      }
      const a = p.action;
      if (a.startsWith('/*')) continue; // comment
      const word = /^\w+/.exec(a)?.[0] ?? '';
      if (ends.includes(word) && (word === 'end' || word === 'else')) return { nodes, end: a };
      if (word === 'end' || word === 'else') throw new TemplateError(`unexpected {{${word}}}`);
      if (word === 'if' || word === 'with' || word === 'range') {
        nodes.push(branch(word, new PipeParser(tokenize(a.slice(word.length))).parse()));
        continue;
      }
      if (/^(define|template|block)\b/.test(a)) throw new TemplateError(`{{${word}}} is not supported`);
      nodes.push({ k: 'action', p: new PipeParser(tokenize(a)).parse() });
    }
    if (ends.length) throw new TemplateError('unexpected EOF');
    return { nodes, end: '' };
  };
  return block([]).nodes;
}

// ---- execution

const isStruct = (o: object) => {
  const keys = Object.keys(o);
  return keys.length > 0 && keys.every((k) => /^[A-Z]/.test(k));
};

function fieldOf(v: unknown, name: string): unknown {
  if (v === null || v === undefined) throw new TemplateError(`nil pointer evaluating .${name}`);
  if (typeof v !== 'object') throw new TemplateError(`can't evaluate field ${name} in type ${typeof v}`);
  if (name in (v as object)) return (v as Record<string, unknown>)[name];
  if (Array.isArray(v) || isStruct(v)) throw new TemplateError(`can't evaluate field ${name}`);
  return undefined; // a map's missing key: "<no value>"
}

// Go's %v.
export function show(v: unknown): string {
  if (v === undefined) return '<no value>';
  if (v === null) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'function') return show(v());
  if (Array.isArray(v)) return `[${v.map(show).join(' ')}]`;
  const o = v as Record<string, unknown>;
  if (isStruct(o)) return `{${Object.values(o).map(show).join(' ')}}`;
  return `map[${Object.keys(o).sort().map((k) => `${k}:${show(o[k])}`).join(' ')}]`;
}

const truthy = (v: unknown) =>
  !(v === undefined || v === null || v === false || v === 0 || v === '' ||
    (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0));

function printf(fmt: string, ...args: unknown[]): string {
  let n = 0;
  return fmt.replace(/%([-+ 0#]*)(\d*)(?:\.(\d+))?([sdvqtfx%])/g, (_m, flags: string, width: string, prec: string, verb: string) => {
    if (verb === '%') return '%';
    const a = args[n++];
    let s: string;
    if (verb === 'q') s = JSON.stringify(String(a));
    else if (verb === 'f') s = Number(a).toFixed(prec ? Number(prec) : 6);
    else if (verb === 'x') s = typeof a === 'number' ? a.toString(16) : Buffer.from(String(a)).toString('hex');
    else if (verb === 'd') s = String(Math.trunc(Number(a)));
    else s = show(a);
    if (prec && verb === 's') s = s.slice(0, Number(prec));
    const w = Number(width || 0);
    return flags.includes('-') ? s.padEnd(w) : s.padStart(w, flags.includes('0') ? '0' : ' ');
  });
}

function compare(a: unknown, b: unknown): number {
  if (typeof a !== typeof b) throw new TemplateError('incompatible types for comparison');
  return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
}

const FUNCS: Record<string, (...a: unknown[]) => unknown> = {
  // Docker's (docker/cli templates.basicFunctions)
  json: (v) => JSON.stringify(v === undefined ? null : v),
  split: (s, sep) => String(s).split(String(sep)),
  join: (l, sep) => {
    if (!Array.isArray(l)) throw new TemplateError('wrong type for value; expected []string');
    return l.map(show).join(String(sep));
  },
  title: (s) => String(s).replace(/\b\w/g, (c) => c.toUpperCase()),
  lower: (s) => String(s).toLowerCase(),
  upper: (s) => String(s).toUpperCase(),
  pad: (s, l, r) => `${' '.repeat(Number(l))}${show(s)}${' '.repeat(Number(r))}`,
  truncate: (s, n) => [...String(s)].slice(0, Number(n)).join(''),
  println: (...a) => a.map(show).join(' ') + '\n',
  // Go's
  print: (...a) => a.map(show).join(''),
  printf: (f, ...a) => printf(String(f), ...a),
  len: (v) => {
    if (typeof v === 'string' || Array.isArray(v)) return v.length;
    if (v && typeof v === 'object') return Object.keys(v).length;
    throw new TemplateError(`len of ${show(v)}`);
  },
  index: (v, ...keys) => {
    let cur = v;
    for (const k of keys) {
      if (cur === null || cur === undefined) throw new TemplateError('index of untyped nil');
      if (Array.isArray(cur)) {
        const i = Number(k);
        if (!Number.isInteger(i) || i < 0 || i >= cur.length) throw new TemplateError(`error calling index: index out of range: ${show(k)}`);
        cur = cur[i];
      } else if (typeof cur === 'object') cur = (cur as Record<string, unknown>)[String(k)];
      else throw new TemplateError(`can't index item of type ${typeof cur}`);
    }
    return cur;
  },
  eq: (a, ...bs) => bs.some((b) => a === b),
  ne: (a, b) => a !== b,
  lt: (a, b) => compare(a, b) < 0,
  le: (a, b) => compare(a, b) <= 0,
  gt: (a, b) => compare(a, b) > 0,
  ge: (a, b) => compare(a, b) >= 0,
  not: (a) => !truthy(a),
  and: (...a) => a.find((x) => !truthy(x)) ?? a[a.length - 1],
  or: (...a) => a.find((x) => truthy(x)) ?? a[a.length - 1],
};

// A table's header row runs the same template over the column titles;
// Docker's functions then pass their first argument through (templates.HeaderFunctions).
const HEADER_FUNCS: Record<string, (...a: unknown[]) => unknown> = {
  ...FUNCS,
  ...Object.fromEntries(['json', 'split', 'join', 'title', 'lower', 'upper', 'pad', 'truncate'].map((f) => [f, (v: unknown) => v])),
};

class Scope {
  constructor(
    readonly dot: unknown,
    readonly vars: Map<string, unknown>,
    readonly funcs: Record<string, (...a: unknown[]) => unknown>,
  ) {}
  with(dot: unknown, extra: [string, unknown][] = []): Scope {
    const vars = new Map(this.vars);
    for (const [k, v] of extra) vars.set(k, v);
    return new Scope(dot, vars, this.funcs);
  }
}

function walk(v: unknown, names: string[], args: unknown[] = []): unknown {
  let cur = v;
  names.forEach((n, i) => {
    const f = fieldOf(cur, n);
    // methods of Docker's format contexts (`.Label "k"`) take the command's arguments
    cur = typeof f === 'function' ? (i === names.length - 1 ? f(...args) : f()) : f;
  });
  return cur;
}

function evalArg(a: Arg, sc: Scope, callArgs: unknown[] = []): unknown {
  switch (a.k) {
    case 'lit':
      return a.v;
    case 'field':
      return walk(sc.dot, a.names, callArgs);
    case 'var': {
      if (!sc.vars.has(a.name)) throw new TemplateError(`undefined variable: ${a.name}`);
      return walk(sc.vars.get(a.name), a.names, callArgs);
    }
    case 'pipe':
      return walk(evalPipe(a.p, sc), a.names, callArgs);
    case 'ident':
      return sc.funcs[a.name](...callArgs);
  }
}

function evalPipe(p: Pipe, sc: Scope): unknown {
  let prev: unknown;
  let first = true;
  for (const cmd of p.cmds) {
    const [head, ...rest] = cmd;
    const args = rest.map((a) => evalArg(a, sc));
    if (!first) args.push(prev);
    if (head.k !== 'ident' && head.k !== 'field' && head.k !== 'var' && args.length)
      throw new TemplateError(`can't give argument to non-function`);
    prev = evalArg(head, sc, args);
    first = false;
  }
  for (const d of p.decl) sc.vars.set(d, prev);
  return prev;
}

function exec(nodes: Node[], sc: Scope, out: string[]): void {
  for (const n of nodes) {
    if (n.k === 'text') out.push(n.s);
    else if (n.k === 'action') {
      const v = evalPipe(n.p, sc);
      if (!n.p.decl.length) out.push(show(v));
    } else if (n.k === 'if') exec(truthy(evalPipe(n.p, sc)) ? n.then : n.else, sc.with(sc.dot), out);
    else if (n.k === 'with') {
      const v = evalPipe(n.p, sc);
      exec(truthy(v) ? n.then : n.else, truthy(v) ? sc.with(v) : sc.with(sc.dot), out);
    } else if (n.k === 'range') {
      const v = evalPipe(n.p, sc);
      const entries: [unknown, unknown][] = Array.isArray(v)
        ? v.map((x, i) => [i, x])
        : v && typeof v === 'object'
          ? Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]])
          : v === null || v === undefined
            ? []
            : (() => {
                throw new TemplateError(`range can't iterate over ${show(v)}`);
              })();
      if (!entries.length) exec(n.else, sc.with(sc.dot), out);
      for (const [k, x] of entries) {
        const vars: [string, unknown][] = n.vars.length === 2 ? [[n.vars[0], k], [n.vars[1], x]] : n.vars.length === 1 ? [[n.vars[0], x]] : [];
        exec(n.body, sc.with(x, vars), out);
      }
    }
  }
}

export interface Template {
  nodes: Node[];
  render(data: unknown, opts?: { header?: boolean }): string;
}

export function compile(src: string): Template {
  const nodes = parseTemplate(src);
  return {
    nodes,
    render(data, opts = {}) {
      const out: string[] = [];
      try {
        exec(nodes, new Scope(data, new Map([['$', data]]), opts.header ? HEADER_FUNCS : FUNCS), out);
      } catch (e) {
        if (e instanceof TemplateError) throw new TemplateError(`template: :1: executing "" ${e.message}`);
        throw e;
      }
      return out.join('');
    },
  };
}
