// What the helper holds, across all its connections, for readers that are
// behind: the answers waiting for them and the bytes not yet sent. Each
// connection has its own caps (server/frame-output.ts); this one is the sum
// (docs/architecture.md, "What a client can hold"). Past it the helper is
// under memory pressure and drops the connection that is furthest behind
// rather than grow: several clients that each asked for a 10,000-rule
// answer and stopped reading would otherwise each keep theirs for stallMs.

export interface OutputBudgetLimits {
  maxTotalHeldAnswers: number; // answers waiting for their readers, all connections
  maxTotalBacklogBytes: number; // output not yet sent, all connections
}

// what a connection's output tells the budget (FrameOutput)
export interface BudgetedOutput {
  readonly heldAnswers: number;
  readonly unsentBytes: number;
  readonly stalledSince: number | null; // when it began to wait for its reader
  dropForPressure(why: string): void; // releases what it holds at once, then closes
}

export class OutputBudget {
  private readonly outputs = new Set<BudgetedOutput>();
  heldAnswers = 0; // kept current by the outputs (hold/release)

  constructor(
    private readonly limits: OutputBudgetLimits,
    private readonly log: (msg: string) => void,
  ) {}

  add(o: BudgetedOutput): void {
    this.outputs.add(o);
  }
  remove(o: BudgetedOutput): void {
    this.outputs.delete(o);
  }

  get unsentBytes(): number {
    let n = 0;
    for (const o of this.outputs) n += o.unsentBytes;
    return n;
  }

  // Before `o` holds one more answer: while the total is at the cap, the
  // connection that has waited longest for its reader is dropped (it may be
  // `o` itself). False: `o` was dropped.
  makeRoomForAnswer(o: BudgetedOutput): boolean {
    while (this.heldAnswers >= this.limits.maxTotalHeldAnswers) {
      const victim = this.longestStalled();
      if (!victim) break; // only answers being written at this moment: nothing waits
      this.drop(victim, `${this.heldAnswers} answers wait for readers (at most ${this.limits.maxTotalHeldAnswers})`);
      if (victim === o) return false;
    }
    return true;
  }

  // After `o` queued output: while the total unsent is past the cap, the
  // connection with the most unsent is dropped. False: `o` was dropped.
  checkBytes(o: BudgetedOutput): boolean {
    for (let total = this.unsentBytes; total > this.limits.maxTotalBacklogBytes; total = this.unsentBytes) {
      let victim: BudgetedOutput | null = null;
      for (const x of this.outputs) if (!victim || x.unsentBytes > victim.unsentBytes) victim = x;
      if (!victim) break;
      this.drop(victim, `${total} bytes wait for readers (at most ${this.limits.maxTotalBacklogBytes})`);
      if (victim === o) return false;
    }
    return true;
  }

  private longestStalled(): BudgetedOutput | null {
    let oldest: BudgetedOutput | null = null;
    for (const o of this.outputs)
      if (o.stalledSince !== null && o.heldAnswers > 0 && (!oldest || o.stalledSince < oldest.stalledSince!)) oldest = o;
    return oldest;
  }

  private drop(o: BudgetedOutput, why: string): void {
    this.log(`dropped the client furthest behind (memory pressure: ${why})`);
    o.dropForPressure(why);
    this.outputs.delete(o);
  }
}
