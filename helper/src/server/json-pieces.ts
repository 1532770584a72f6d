// JSON.stringify's text of a value, in pieces: a big answer (host.inspect's
// rules, a cleanup plan's findings: megabytes at 10,000 rules) is sent as it
// is encoded instead of as one string the size of the whole answer, beside
// the copy the socket makes of it (docs/architecture.md, "Helper memory").
//
// The text is exactly JSON.stringify's: only plain objects near the top and
// long arrays are walked here; everything else (each element of a long
// array, a Date, anything with toJSON) goes through JSON.stringify itself.
// Walking only those keeps the cost of a small answer at one stringify per
// field, and of a long array at one per run of its elements.

import { KEEP_JSON_TEXT } from '../../../src/shared/keep-json-text';
import { WRITTEN_AS } from '../../../src/shared/json-written-as';

const WALK_OBJECTS_TO_DEPTH = 3; // the frame, its result, the result's fields
const LONG_ARRAY = 64;
const PIECE = 16 * 1024;
const MAX_RUN = 1024; // elements in one JSON.stringify at most (tiny ones: numbers)
const EMPTY: [string, unknown] = ['', undefined];

export const jsonPieces = (value: unknown): Generator<string, void, undefined> => walk(value, 0);

// Simple parameters only: with a default one, V8 keeps the arguments as
// passed for the generator's life, and `value = undefined` frees nothing.
function* walk(value: unknown, depth: number): Generator<string, void, undefined> {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON !== 'function') {
    if (Array.isArray(value) && (value.length >= LONG_ARRAY || WRITTEN_AS in value)) {
      // A copy of the references, each let go once written, and not the
      // array itself: an answer a reader is slow to take holds only what
      // is left to send (the array may be kept elsewhere: not emptied).
      const items: unknown[] = value.slice();
      // an array marked writtenAs (src/shared/json-written-as.ts): each element as `as` makes it,
      // once it is written (what is walked or kept is decided by the element as it is)
      const as = (value as { [WRITTEN_AS]?: (x: unknown) => unknown })[WRITTEN_AS];
      value = undefined;
      // elements gathered into pieces of about PIECE characters: fewer, cheaper steps
      let piece = '[';
      // elements with no text of their own (not walked, not kept, no toJSON) are written
      // by runs, one JSON.stringify per run: JSON.stringify of an array is its elements'
      // texts joined by commas, null for one with none, as elementText writes them. One
      // string per run of ~PIECE / 4 characters, not one per element and a piece of a
      // concatenation per element (a 10,000-rule answer: 20,000 allocations).
      // `per`: elements per run, from the widest run's characters per element so far.
      let per = 4;
      let widest = 0;
      for (let i = 0; i < items.length; ) {
        if (i) piece += ',';
        if (isWalked(items[i], depth + 1)) {
          yield piece;
          piece = '';
          // no local keeps it while it is written: the walk lets its parts go
          const item = take(items, i++, undefined);
          yield* walk(as ? as(item) : item, depth + 1);
          continue;
        }
        let end = i + 1;
        if (inRun(items[i])) while (end < items.length && end - i < per && inRun(items[end]) && !isWalked(items[end], depth + 1)) end++;
        if (end - i === 1) {
          // an element JSON has no text for (undefined, a function) is null in an array
          const item = take(items, i, undefined);
          piece += elementText(as ? as(item) : item);
        } else {
          const run = items.slice(i, end);
          items.fill(undefined, i, end);
          if (as) for (let k = 0; k < run.length; k++) run[k] = as(run[k]);
          const text = JSON.stringify(run);
          piece += text.slice(1, text.length - 1);
          widest = Math.max(widest, text.length / (end - i));
          per = Math.max(2, Math.min(MAX_RUN, Math.floor(PIECE / 4 / widest)));
        }
        i = end;
        if (piece.length >= PIECE) {
          yield piece;
          piece = '';
        }
      }
      yield piece + ']';
      return;
    }
    if (depth < WALK_OBJECTS_TO_DEPTH && isPlainObject(value)) {
      // as for an array: the members, each let go once written
      const members = Object.entries(value);
      value = undefined;
      yield '{';
      let first = true;
      for (let i = 0; i < members.length; i++) {
        const key = members[i][0];
        const text = isWalked(members[i][1], depth + 1) ? null : JSON.stringify(members[i][1]);
        if (text === undefined) continue; // undefined, a function, a symbol: no member, as JSON.stringify
        yield `${first ? '' : ','}${JSON.stringify(key)}:`;
        first = false;
        if (text === null) yield* walk(take(members, i, EMPTY)[1], depth + 1);
        else yield (members[i] = EMPTY, text);
      }
      yield '}';
      return;
    }
  }
  yield JSON.stringify(value) ?? 'null';
}

// The one way the helper keeps an answer's JSON text: with a frozen plain
// object its maker marked (KEEP_JSON_TEXT), whose objects (plain or arrays)
// are all frozen: it cannot change, and it is answered again (a cleanup
// plan's findings: cleanup/rule-verdicts.ts; 1.1 MB of text at 10,000 rules,
// 2.8 MB at 25,000, ~10-20 ms of CPU per answer saved). Nothing else keeps
// text: host.inspect's rules are answered again too (inspect/rule-memo.ts),
// but their texts, kept per line around the counters, held
// 15.6 MB of live heap at 10,000 rules to save ~28 ms of CPU per warm
// answer, and cost a cold answer ~45 ms more to cut and keep
// (docs/architecture.md, "Helper memory").
const keptTexts = new WeakMap<object, string>();
const isKept = (v: unknown): v is object => v !== null && typeof v === 'object' && (v as { [KEEP_JSON_TEXT]?: boolean })[KEEP_JSON_TEXT] === true;
// written in a run with others: neither kept nor given its own toJSON (which JSON.stringify passes its key)
const inRun = (v: unknown): boolean => !isKept(v) && (v === null || typeof v !== 'object' || typeof (v as { toJSON?: unknown }).toJSON !== 'function');
function elementText(v: unknown): string {
  if (!isKept(v)) return JSON.stringify(v) ?? 'null';
  let text = keptTexts.get(v);
  if (text === undefined) {
    text = JSON.stringify(v) ?? 'null';
    if (deeplyFrozen(v, 2)) keptTexts.set(v, text);
  }
  return text;
}
function deeplyFrozen(v: object, depth: number): boolean {
  if (!Object.isFrozen(v) || !(isPlainObject(v) || Array.isArray(v)) || typeof (v as { toJSON?: unknown }).toJSON === 'function') return false;
  for (const k in v) {
    const x = (v as Record<string, unknown>)[k];
    if (x !== null && typeof x === 'object' && (depth === 0 || !deeplyFrozen(x, depth - 1))) return false;
  }
  return true;
}

// a[i], after which a holds `empty` there
function take<T>(a: T[], i: number, empty: T): T {
  const v = a[i];
  a[i] = empty;
  return v;
}

function isWalked(v: unknown, depth: number): boolean {
  if (v === null || typeof v !== 'object' || typeof (v as { toJSON?: unknown }).toJSON === 'function') return false;
  return Array.isArray(v) ? v.length >= LONG_ARRAY || WRITTEN_AS in v : depth < WALK_OBJECTS_TO_DEPTH && isPlainObject(v);
}

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}
