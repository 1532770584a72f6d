// The last cleanup plan shown, kept a moment (docs/decisions.md, "Cleanup"): the helper
// reads one ahead when it starts, and the app's first asks (as it connects, then the
// view) get it without a second reading of tens of thousands of rules. A kept plan is
// the answer only while nothing Berth does could have changed it: `generation` moves
// with every firewall write the helper starts and every change it announces, and a
// reading across such a move is not kept. What other tools change is bounded by the
// age the asker accepts. Apply never takes a kept plan: it reads the host again.
export class KeptPlan<T> {
  private kept: { gen: string; at: number; answer: Promise<T> } | null = null;
  private drop: NodeJS.Timeout | undefined;

  constructor(
    private readonly read: () => Promise<T>,
    private readonly generation: () => string,
    private readonly keepMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  // The kept plan when it is at most maxAgeMs old (counted from the start of its reading,
  // in flight included) at the current generation, else a new reading, kept in turn.
  get(maxAgeMs = 0): Promise<T> {
    const k = this.kept;
    if (k && maxAgeMs > 0 && k.gen === this.generation() && this.now() - k.at <= maxAgeMs) return k.answer;
    return this.refresh();
  }

  // A new reading, kept for keepMs unless the generation moved while it was read.
  refresh(): Promise<T> {
    const entry = { gen: this.generation(), at: this.now(), answer: this.read() };
    this.kept = entry;
    const forget = () => {
      if (this.kept === entry) this.kept = null;
    };
    entry.answer.then(() => {
      if (this.generation() !== entry.gen) forget();
    }, forget);
    // not held longer than anyone may take it: its memory goes back (helper RSS)
    clearTimeout(this.drop);
    this.drop = setTimeout(forget, this.keepMs);
    this.drop.unref?.();
    return entry.answer;
  }

  // Nothing kept (a new reading is the next answer).
  clear(): void {
    this.kept = null;
    clearTimeout(this.drop);
  }
}
