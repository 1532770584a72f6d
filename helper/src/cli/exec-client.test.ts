import { describe, expect, it } from 'vitest';
import { detachFilter, parseDetachKeys } from './exec-client';

describe('detach keys (Docker\'s --detach-keys)', () => {
  it('parses ctrl-X and single characters', () => {
    expect(parseDetachKeys('ctrl-p,ctrl-q')).toEqual([16, 17]);
    expect(parseDetachKeys('ctrl-@,ctrl-_,x')).toEqual([0, 31, 120]);
    expect(() => parseDetachKeys('ctrl-1')).toThrow(/invalid detach keys "ctrl-1"/);
    expect(() => parseDetachKeys('ab')).toThrow(/invalid detach keys/);
  });

  it('holds a prefix back, lets it through when the sequence breaks, detaches on the whole of it', () => {
    const f = detachFilter([16, 17]);
    expect(f(Buffer.from('ab'))).toEqual({ pass: Buffer.from('ab'), detach: false });
    expect(f(Buffer.from([16]))).toEqual({ pass: Buffer.alloc(0), detach: false });
    expect(f(Buffer.from('c'))).toEqual({ pass: Buffer.from([16, 99]), detach: false }); // ^P then c: both go on
    expect(f(Buffer.from([16, 16]))).toEqual({ pass: Buffer.from([16]), detach: false }); // the second ^P may start it again
    expect(f(Buffer.from([17, 120]))).toEqual({ pass: Buffer.alloc(0), detach: true });
    expect(detachFilter([16, 17])(Buffer.from([97, 16, 17]))).toEqual({ pass: Buffer.from('a'), detach: true });
  });
});
