import { describe, expect, it } from 'vitest';
import { checkSocketBudget } from './socket-budget';

describe('checkSocketBudget', () => {
  it('refuses what would not fit under the limit of open files, naming it; lets the rest through', () => {
    const facts = (limit: number | null, open: number) => () => ({ limit, open });
    expect(() => checkSocketBudget(18_000, facts(20_000, 3_000))).toThrow(
      'publishing these ports takes 18000 host sockets, and the helper can open 16488 more (its limit of open files is 20000): publish fewer ports, or raise the helper\'s limit (LimitNOFILE)',
    );
    expect(() => checkSocketBudget(16_488, facts(20_000, 3_000))).not.toThrow();
    // systemd's default soft limit: a few hundred ports at most
    expect(() => checkSocketBudget(2_000, facts(1_024, 40))).toThrow(/can open 472 more/);
    expect(() => checkSocketBudget(2_000, facts(600, 400))).toThrow(/can open 0 more/);
    expect(() => checkSocketBudget(1_000_000, facts(null, 40))).not.toThrow(); // unlimited
    // a few sockets are not checked (nor /proc read)
    expect(() => checkSocketBudget(255, () => { throw new Error('read'); })).not.toThrow();
    expect(() => checkSocketBudget(256, () => { throw new Error('no /proc'); })).not.toThrow();
  });

  it('reads this process: its own limit and descriptors', () => {
    expect(() => checkSocketBudget(300)).not.toThrow(); // the test runner's limit is far above it
    expect(() => checkSocketBudget(1e9)).toThrow(/its limit of open files is \d+/);
  });
});
