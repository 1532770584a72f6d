import { describe, expect, it } from 'vitest';
import { matchesQuery } from './list-search';

describe('matchesQuery', () => {
  it('matches every word anywhere in the fields, ignoring case', () => {
    expect(matchesQuery('', 'x')).toBe(true);
    expect(matchesQuery('  ', 'x')).toBe(true);
    expect(matchesQuery('WEB', 'web')).toBe(true);
    expect(matchesQuery('web 8080', 'web', '0.0.0.0:8080→80/tcp')).toBe(true);
    expect(matchesQuery('web 9090', 'web', '0.0.0.0:8080→80/tcp')).toBe(false);
    expect(matchesQuery('x', undefined, null)).toBe(false);
  });
});
