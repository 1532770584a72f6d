import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { KEEP_JSON_TEXT } from '../../../src/shared/keep-json-text';
import { writtenAs } from '../../../src/shared/json-written-as';
import { jsonPieces } from './json-pieces';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const joined = (v: unknown) => [...jsonPieces(v)].join('');

// The pieces an answer is sent in make exactly JSON.stringify's text.
describe('jsonPieces', () => {
  it('joins to JSON.stringify of answers with long arrays, nested, odd members and all', () => {
    const rule = (i: number) => ({ id: `ipv4/nat/${i}`, text: `-A KUBE-SVC-${i} -m comment --comment "ns/svc-${i}:" -j DNAT`, owner: i % 3 ? 'k8s' : undefined, n: i, ok: i % 2 === 0, tags: ['a', 'é', '\u2028'] });
    const values: unknown[] = [
      null, undefined, 0, -1.5, NaN, Infinity, 'x', '"\n\\', true, [], {}, [undefined, () => 1, Symbol('s')],
      { a: undefined, b: () => 1, c: Symbol('c'), d: null, e: [undefined], f: new Date(0), g: { toJSON: () => 'J' } },
      Object.assign(Object.create(null), { z: 1, a: [1, 2] }),
      { jsonrpc: '2.0', id: 3, result: { rules: Array.from({ length: 500 }, (_, i) => rule(i)), links: [], errors: ['e'] } },
      { result: { findings: Array.from({ length: 200 }, (_, i) => ({ rules: Array.from({ length: 70 }, (_, j) => (j % 9 ? rule(j) : undefined)), why: i })) } },
      Array.from({ length: 100 }, (_, i) => (i % 7 ? [i, Array.from({ length: 65 }, () => i)] : i % 2 ? undefined : () => i)),
      { result: Array.from({ length: 64 }, (_, i) => ({ a: { b: { c: { d: [i] } } }, when: new Date(i) })) },
      new Map([[1, 2]]), new String('boxed'), [new Number(3)],
    ];
    for (const v of values) expect(joined(v)).toBe(JSON.stringify(v) ?? 'null');
  });

  it('writes an array marked writtenAs as its elements made by `as`, long or short, and leaves the array as it was', () => {
    const rule = (i: number) => ({ id: `r${i}`, text: `-A X -p tcp --dport ${i}`, matches: { p: 'tcp', dport: `${i}` }, n: i % 5 ? i : undefined });
    const as = ({ matches: _, ...r }: ReturnType<typeof rule>) => r;
    for (const n of [0, 3, 64, 2000]) {
      const items = Array.from({ length: n }, (_, i) => rule(i));
      const v = { jsonrpc: '2.0', id: 1, result: { rules: writtenAs(items, as), errors: [] } };
      expect(joined(v)).toBe(JSON.stringify({ jsonrpc: '2.0', id: 1, result: { rules: items.map(as), errors: [] } }));
      expect(items).toEqual(Array.from({ length: n }, (_, i) => rule(i)));
    }
  });

  it('writes runs of elements with one JSON.stringify each, and the same text around kept, walked and toJSON elements', () => {
    const kept = (i: number) => Object.freeze(Object.defineProperty({ kept: i, text: `k${i}` }, KEEP_JSON_TEXT, { value: true }));
    const mixed = (n: number, size: number) =>
      Array.from({ length: n }, (_, i) =>
        i % 97 === 5 ? kept(i) : i % 89 === 7 ? new Date(i) : i % 83 === 3 ? Array.from({ length: 70 }, (_, j) => j) : i % 13 === 0 ? undefined : i % 17 === 0 ? () => i : i % 19 === 0 ? 'é"\\' : { i, text: 'x'.repeat((i * 7) % size), m: { a: `${i}` } });
    for (const [n, size] of [[64, 10], [500, 100], [3000, 3000], [200, 40_000]]) {
      const v = { jsonrpc: '2.0', id: 1, result: { rules: mixed(n, size), findings: [] } };
      const pieces = [...jsonPieces(v)];
      expect(pieces.join('')).toBe(JSON.stringify(v));
      if (size <= 3000) expect(Math.max(...pieces.map((p) => p.length))).toBeLessThan(32 * 1024);
    }
  });

  it('a long array comes in pieces of at most tens of KB; a short answer in few pieces', () => {
    const pieces = [...jsonPieces({ result: { rules: Array.from({ length: 10_000 }, (_, i) => ({ i, text: 'x'.repeat(100) })) } })];
    expect(pieces.length).toBeGreaterThan(50);
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThan(32 * 1024);
    expect([...jsonPieces({ jsonrpc: '2.0', id: 1, result: { name: 'n', id: 'x' } })].length).toBeLessThan(20);
  });

  it('throws where JSON.stringify throws', () => {
    const cyclic: Record<string, unknown> = { rules: [] };
    cyclic.self = { again: cyclic };
    expect(() => joined({ result: cyclic })).toThrow();
    expect(() => joined({ result: [1n] })).toThrow();
  });

  it('lets go of what it has written: a reader that stops mid-answer keeps only the rest alive', async () => {
    // the answer is built here and referenced by nothing but the walk
    const made = () => {
      const rules = Array.from({ length: 1000 }, (_, i) => ({ i, text: 'x'.repeat(100) }));
      const findings = Array.from({ length: 100 }, (_, i) => ({ rules: Array.from({ length: 70 }, (_, j) => ({ i, j })) }));
      const refs = { rules: rules.map((r) => new WeakRef(r)), findings: findings.map((f) => new WeakRef(f)) };
      return { walk: jsonPieces({ jsonrpc: '2.0', id: 1, result: { rules, findings } }), refs };
    };
    const { walk, refs } = made();
    let text = '';
    // past every rule and half the findings (the pieces gather ~16 findings each)
    while (!text.includes('{"rules":[{"i":50,')) text += walk.next().value;
    // What the walk let go is collected, though not always by the first
    // collections asked: one asked while V8's incremental marking is under way
    // finishes that marking, and what it marked before the walk let go stays
    // to a later one (under load, 3 of the first 50 findings outlived two
    // collections asked back to back, 1 run in ~50). So up to five rounds, each
    // in a turn of its own: a WeakRef read keeps its target to the end of the
    // turn it was read in. What the walk still held would outlive them all.
    const alive = () => refs.rules.filter((r) => r.deref()).length + refs.findings.slice(0, 50).filter((r) => r.deref()).length;
    for (let round = 0; round < 5; round++) {
      await new Promise((r) => setTimeout(r, 10));
      gc();
      gc();
      if (alive() === 0) break;
    }
    expect(refs.rules.filter((r) => r.deref()).length).toBe(0);
    expect(refs.findings.slice(0, 50).filter((r) => r.deref()).length).toBe(0);
    expect(refs.findings.slice(90).every((r) => r.deref())).toBe(true);
    for (let r = walk.next(); !r.done; r = walk.next()) text += r.value;
    expect(JSON.parse(text).result.findings[99].rules[69]).toEqual({ i: 99, j: 69 });
  });

  it('keeps the text of a frozen element its maker marked (KEEP_JSON_TEXT), and only of such', () => {
    let reads = 0;
    const element = (marked: boolean) => {
      const o = { id: 1 };
      Object.defineProperty(o, 'text', { enumerable: true, get: () => (reads++, 'x') });
      if (marked) Object.defineProperty(o, KEEP_JSON_TEXT, { value: true });
      return Object.freeze(o);
    };
    for (const marked of [true, false]) {
      const list = Array.from({ length: 64 }, () => element(marked));
      // at the depth of host.inspect's rules and a plan's findings: the frame, its result, a field
      const first = joined({ result: { list } });
      expect(first).toBe(JSON.stringify({ result: { list } }));
      reads = 0;
      expect(joined({ result: { list } })).toBe(first);
      expect(reads).toBe(marked ? 0 : 64);
    }
  });
});
