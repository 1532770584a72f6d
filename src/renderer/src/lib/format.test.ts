import { describe, expect, it } from 'vitest';
import { parseLabels, relativeTime } from './format';

describe('parseLabels', () => {
  it('reads lines and commas', () => {
    expect(parseLabels('a=1\n b = two ,c=')).toEqual({ labels: { a: '1', b: 'two', c: '' } });
  });
  it('names the bad entry', () => {
    expect(parseLabels('a=1\nnope').error).toBe('label "nope" is not KEY=VALUE');
  });
});

describe('relativeTime', () => {
  it('formats seconds, minutes and hours', () => {
    const now = Date.parse('2025-01-01T12:00:00Z');
    expect(relativeTime('2025-01-01T11:59:30Z', now)).toBe('30s ago');
    expect(relativeTime('2025-01-01T11:00:00Z', now)).toBe('1h ago');
    expect(relativeTime('garbage', now)).toBe('');
  });
});
