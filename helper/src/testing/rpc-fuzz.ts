import { METHOD_NAMES } from '../../../src/shared/method-names';

// Random request lines for the RPC fuzz tests (unit and real helper).
// Deterministic, so a failure replays.
export function prng(seed: number) {
  let x = seed >>> 0;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

// Lines that are never a valid call: noise, broken JSON, wrong shapes,
// known methods with impossible params. None contains a newline.
export function malformedLine(r: () => number): string {
  const pick = <T>(a: T[]) => a[Math.floor(r() * a.length)];
  const noise = (len: number) => Array.from({ length: len }, () => String.fromCharCode(1 + Math.floor(r() * 0x2ff))).join('').replace(/[\n\r]/g, ' ');
  const method = pick([...METHOD_NAMES, 'x', '', '__proto__', 'constructor', 'network.list.extra']);
  const valid = JSON.stringify({ jsonrpc: '2.0', id: Math.floor(r() * 1e6), method, params: { name: 'ok' } });
  const kinds: (() => string)[] = [
    () => noise(1 + Math.floor(r() * 200)) + '#',
    () => valid.slice(0, Math.floor(r() * (valid.length - 1))) || '{',
    () => pick(['null', 'true', 'false', '0', '-1e999', '"str"', '[]', '{}', '[null]', '[[[]]]']),
    () => JSON.stringify([{ jsonrpc: '2.0', id: 1, method }]),
    () => JSON.stringify({ jsonrpc: pick(['1.0', 2, null, undefined]), id: 1, method }),
    () => JSON.stringify({ jsonrpc: '2.0', id: pick([null, {}, [], true, 'x'.repeat(200)]), method }),
    () => JSON.stringify({ jsonrpc: '2.0', id: 1, method: pick([1, null, {}, [], true]) }),
    () => JSON.stringify({ jsonrpc: '2.0', id: 1, method: method + noise(3) }),
    () => JSON.stringify({ jsonrpc: '2.0', id: 1, method: pick(['network.create', 'container.run', 'port.add', 'network.connect']), params: pick([1, 'x', [], true, { name: 5 }, { name: 'bad name!' }, { __proto__: { x: 1 } }]) }),
    () => valid.replace(/[{}":,]/, () => pick(['', '}', '"', ':', ',', '{{'])),
  ];
  return pick(kinds)();
}
