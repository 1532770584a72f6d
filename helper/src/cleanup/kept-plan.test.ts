import { describe, expect, it } from 'vitest';
import { KeptPlan } from './kept-plan';

// A reading that answers when told, a generation and a clock the test moves.
function setup() {
  let gen = 0;
  let now = 0;
  const reads: ((v: string) => void)[] = [];
  const kept = new KeptPlan(() => new Promise<string>((r) => reads.push(r)), () => String(gen), 60_000, () => now);
  return { kept, reads, bump: () => gen++, at: (t: number) => (now = t) };
}

describe('KeptPlan', () => {
  it('answers an ask that accepts its age with the plan read, in flight or done, without a second reading', async () => {
    const { kept, reads, at } = setup();
    const first = kept.refresh();
    const joined = kept.get(60_000);
    expect(reads).toHaveLength(1);
    reads[0]('plan 1');
    expect(await first).toBe('plan 1');
    expect(await joined).toBe('plan 1');
    at(59_000);
    expect(await kept.get(60_000)).toBe('plan 1');
    expect(reads).toHaveLength(1);
  });

  it('reads again for an ask without an age, or when the plan is older than the ask accepts', async () => {
    const { kept, reads, at } = setup();
    void kept.refresh();
    reads[0]('plan 1');
    const fresh = kept.get();
    expect(reads).toHaveLength(2);
    reads[1]('plan 2');
    expect(await fresh).toBe('plan 2');
    at(10_000);
    void kept.get(5_000);
    expect(reads).toHaveLength(3);
  });

  it('never answers with a plan read before a change Berth made', async () => {
    const { kept, reads, bump } = setup();
    void kept.refresh();
    reads[0]('plan 1');
    await Promise.resolve();
    bump();
    const after = kept.get(60_000);
    expect(reads).toHaveLength(2);
    reads[1]('plan 2');
    expect(await after).toBe('plan 2');
  });

  it('does not keep a plan whose reading spanned a change', async () => {
    const { kept, reads, bump } = setup();
    const spanning = kept.refresh();
    bump();
    reads[0]('plan across the change');
    await spanning;
    void kept.get(60_000);
    expect(reads).toHaveLength(2);
  });

  it('keeps no failed reading, and nothing after clear', async () => {
    const { kept, reads } = setup();
    const failed = new KeptPlan(() => Promise.reject(new Error('iptables-save failed')), () => '0', 60_000, () => 0);
    await expect(failed.get(60_000)).rejects.toThrow('iptables-save failed');
    await expect(failed.get(60_000)).rejects.toThrow('iptables-save failed');
    void kept.refresh();
    reads[0]('plan 1');
    kept.clear();
    void kept.get(60_000);
    expect(reads).toHaveLength(2);
  });
});
