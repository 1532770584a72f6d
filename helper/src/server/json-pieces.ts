// JSON.stringify's text of a value, in pieces: a big answer (host.inspect's
// rules, a cleanup plan's findings: megabytes at 10,000 rules) is sent as it
// is encoded instead of as one string the size of the whole answer, beside
// the copy the socket makes of it (docs/architecture.md, "Helper memory").
//
// The text is exactly JSON.stringify's: only plain objects near the top and
// long arrays are walked here; everything else (each element of a long
// array, a Date, anything with toJSON) goes through JSON.stringify itself.
// Walking only those keeps the cost of a small answer at one stringify per
// field, and of a long array at one per element.

const WALK_OBJECTS_TO_DEPTH = 3; // the frame, its result, the result's fields
const LONG_ARRAY = 64;
const PIECE = 16 * 1024;

export function* jsonPieces(value: unknown, depth = 0): Generator<string, void, undefined> {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON !== 'function') {
    if (Array.isArray(value) && value.length >= LONG_ARRAY) {
      // elements gathered into pieces of about PIECE characters: fewer, cheaper steps
      let piece = '[';
      for (let i = 0; i < value.length; i++) {
        if (i) piece += ',';
        if (isWalked(value[i], depth + 1)) {
          yield piece;
          piece = '';
          yield* jsonPieces(value[i], depth + 1);
        } else {
          // an element JSON has no text for (undefined, a function) is null in an array
          piece += JSON.stringify(value[i]) ?? 'null';
          if (piece.length >= PIECE) {
            yield piece;
            piece = '';
          }
        }
      }
      yield piece + ']';
      return;
    }
    if (depth < WALK_OBJECTS_TO_DEPTH && isPlainObject(value)) {
      yield '{';
      let first = true;
      for (const key of Object.keys(value)) {
        const v = (value as Record<string, unknown>)[key];
        const text = isWalked(v, depth + 1) ? null : JSON.stringify(v);
        if (text === undefined) continue; // undefined, a function, a symbol: no member, as JSON.stringify
        yield `${first ? '' : ','}${JSON.stringify(key)}:`;
        first = false;
        if (text === null) yield* jsonPieces(v, depth + 1);
        else yield text;
      }
      yield '}';
      return;
    }
  }
  yield JSON.stringify(value) ?? 'null';
}

function isWalked(v: unknown, depth: number): boolean {
  if (v === null || typeof v !== 'object' || typeof (v as { toJSON?: unknown }).toJSON === 'function') return false;
  return Array.isArray(v) ? v.length >= LONG_ARRAY : depth < WALK_OBJECTS_TO_DEPTH && isPlainObject(v);
}

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}
