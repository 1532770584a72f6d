import { describe, expect, it } from 'vitest';
import { ignoredSignals } from './start-signals';

describe('ignoredSignals', () => {
  it('reads the signals a SigIgn mask ignores, but the two Node ignores too', () => {
    // a background job under Bun: SIGINT, SIGQUIT from the shell; SIGPIPE, SIGXFSZ Bun's own
    expect(ignoredSignals('Name:\tberth\nSigIgn:\t0000000001001006\nSigCgt:\t0\n')).toEqual(['SIGINT', 'SIGQUIT']);
    // nohup: SIGHUP
    expect(ignoredSignals('SigIgn:\t0000000000000001\n')).toEqual(['SIGHUP']);
    expect(ignoredSignals('SigIgn:\t0000000001001000\n')).toEqual([]);
    expect(ignoredSignals('no such line')).toEqual([]);
  });
});
