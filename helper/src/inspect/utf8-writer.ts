// Text written as UTF-8 straight into one buffer, a character at a time:
// the bytes Buffer.from(text) makes, without the text (nat-text.ts writes
// `berth nat ls`'s table this way: its cells are the rules' own strings, so
// a line costs V8's heap nothing). A lone surrogate is written as U+FFFD, as
// Buffer.from writes it.
export class Utf8Writer {
  pos = 0;
  newlines = 0; // how many "\n" were written (str() and byte() count them)
  private buf: Buffer;

  constructor(private readonly keepBytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafeSlow(keepBytes);
  }

  // room for n more bytes
  room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafeSlow(Math.max(2 * this.buf.length, this.pos + n));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }

  // s[from, to), at most 3 bytes a UTF-16 unit (room() first)
  str(s: string, from = 0, to = s.length): void {
    const b = this.buf;
    let p = this.pos;
    for (let i = from; i < to; i++) {
      let c = s.charCodeAt(i);
      if (c < 0x80) {
        if (c === 0x0a) this.newlines++;
        b[p++] = c;
        continue;
      }
      if (c < 0x800) {
        b[p++] = 0xc0 | (c >> 6);
        b[p++] = 0x80 | (c & 0x3f);
        continue;
      }
      if (c >= 0xd800 && c < 0xe000) {
        const d = i + 1 < to ? s.charCodeAt(i + 1) : 0;
        if (c < 0xdc00 && d >= 0xdc00 && d < 0xe000) {
          const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          b[p++] = 0xf0 | (cp >> 18);
          b[p++] = 0x80 | ((cp >> 12) & 0x3f);
          b[p++] = 0x80 | ((cp >> 6) & 0x3f);
          b[p++] = 0x80 | (cp & 0x3f);
          i++;
          continue;
        }
        c = 0xfffd;
      }
      b[p++] = 0xe0 | (c >> 12);
      b[p++] = 0x80 | ((c >> 6) & 0x3f);
      b[p++] = 0x80 | (c & 0x3f);
    }
    this.pos = p;
  }

  // n spaces (room() first)
  spaces(n: number): void {
    const b = this.buf;
    let p = this.pos;
    for (let k = 0; k < n; k++) b[p++] = 0x20; // a few: a loop, not a call into Node
    this.pos = p;
  }

  byte(c: number): void {
    if (c === 0x0a) this.newlines++;
    this.buf[this.pos++] = c;
  }

  // The bytes written, as a buffer of their own (kept by nat-rows.ts, so
  // not a view of this one), and the writer empty again (newlines is the
  // caller's to reset); a buffer grown
  // past keepBytes (a page of thousands of rules) is not kept for the next.
  take(): Buffer {
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    this.pos = 0;
    if (this.buf.length > this.keepBytes) this.buf = Buffer.allocUnsafeSlow(this.keepBytes);
    return out;
  }
}
