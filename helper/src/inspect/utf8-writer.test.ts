import { describe, expect, it } from 'vitest';
import { Utf8Writer } from './utf8-writer';

// written one after another, as Buffer.from writes their text joined
function written(parts: [string, number?, number?][], keepBytes?: number): Buffer {
  const w = new Utf8Writer(keepBytes);
  for (const [s, from, to] of parts) {
    w.room(3 * s.length);
    w.str(s, from, to);
  }
  return w.take();
}

describe('Utf8Writer: the bytes Buffer.from makes, written in place', () => {
  it('ASCII, two-, three- and four-byte characters, and lone surrogates as U+FFFD', () => {
    const texts = ['plain -A X -j RETURN', 'café é ÿ ĀȀ', '… — € 日本', 'emoji 😀 𝄞 end', 'lone \ud83d here', 'lone \ude00 low', 'end high \ud83d', '\udc00\ud800', ''];
    for (const t of texts) expect(written([[t]])).toEqual(Buffer.from(t));
    // each alone: a high surrogate at the end of one is lone, not a pair with the next's low one
    expect(written(texts.map((t) => [t]))).toEqual(Buffer.concat(texts.map((t) => Buffer.from(t))));
  });

  it('a range of a string: a pair cut in two is a lone surrogate, as slice makes it', () => {
    const t = 'ab😀cd';
    for (let from = 0; from <= t.length; from++) for (let to = from; to <= t.length; to++) expect(written([[t, from, to]])).toEqual(Buffer.from(t.slice(from, to)));
  });

  it('grows past its buffer, keeps what was written, and counts newlines', () => {
    const w = new Utf8Writer(8);
    const long = 'x'.repeat(100) + '\n' + 'é'.repeat(50);
    w.room(3 * long.length + 4);
    w.str(long);
    w.spaces(3);
    w.byte(0x0a);
    expect(w.newlines).toBe(2);
    expect(w.take()).toEqual(Buffer.from(`${long}   \n`));
    w.room(2);
    w.str('ok');
    expect(w.take()).toEqual(Buffer.from('ok'));
  });
});
