import { describe, expect, it } from 'vitest';
import { joinArgv, splitArgv } from './argv';

describe('splitArgv', () => {
  it('splits plain words on any white space', () => {
    expect(splitArgv('  sleep   300 ')).toEqual({ argv: ['sleep', '300'] });
  });
  it('keeps quoted spaces and empty strings', () => {
    expect(splitArgv(`sh -c 'echo hi; sleep 5' "" "a \\"b\\""`).argv).toEqual(['sh', '-c', 'echo hi; sleep 5', '', 'a "b"']);
  });
  it('joins adjacent quoted parts into one word and honours backslashes', () => {
    expect(splitArgv(`a'b'"c" d\\ e`).argv).toEqual(['abc', 'd e']);
  });
  it('reports an unterminated quote', () => {
    expect(splitArgv(`echo 'oops`).error).toBe('unterminated single quote');
  });
  it('round-trips through joinArgv', () => {
    const argv = ['sh', '-c', "it's here", 'x y', ''];
    expect(splitArgv(joinArgv(argv)).argv).toEqual(argv);
  });
});
