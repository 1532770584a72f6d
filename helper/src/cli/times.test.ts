import { describe, expect, it } from 'vitest';
import { parseSize, parseTime } from './times';

describe('Docker time and size forms', () => {
  const now = Date.parse('2026-11-30T21:00:00Z');
  it('reads RFC 3339, dates, Unix seconds and durations before now', () => {
    expect(parseTime('2026-11-30T20:00:00Z', now)).toBe(Date.parse('2026-11-30T20:00:00Z'));
    expect(parseTime('2026-11-30T20:00:00.250+01:00', now)).toBe(Date.parse('2026-11-30T19:00:00.250Z'));
    expect(parseTime('2026-11-30T20:00:00', now)).toBe(Date.parse('2026-11-30T20:00:00Z'));
    expect(parseTime('2026-11-30', now)).toBe(Date.parse('2026-11-30T00:00:00Z'));
    expect(parseTime('1764536400', now)).toBe(1764536400_000);
    expect(parseTime('1764536400.5', now)).toBe(1764536400_500);
    expect(parseTime('10m', now)).toBe(now - 600_000);
    expect(parseTime('1h30m', now)).toBe(now - 5_400_000);
    expect(parseTime('1.5s', now)).toBe(now - 1500);
  });
  it('refuses anything else in one line', () => {
    for (const bad of ['yesterday', '10 minutes', '-5m', '2026-13-45T99:00:00Z', ''])
      expect(() => parseTime(bad, now)).toThrow(/invalid value for time/);
  });
  it('reads sizes in powers of 1024', () => {
    expect(parseSize('4096')).toBe(4096);
    expect(parseSize('10m')).toBe(10 * 1024 * 1024);
    expect(parseSize('1g')).toBe(1024 ** 3);
    expect(parseSize('512K')).toBe(512 * 1024);
    expect(() => parseSize('ten')).toThrow(/invalid size/);
  });
});
