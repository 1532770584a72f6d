// One family's firewall writes, one after another in arrival order
// (docs/decisions.md, "Firewall deletions committed in the background").
// A write that only takes rules away answers its caller as soon as it is
// planned and commits off the operation's path: on nf_tables a commit that
// deletes waits for an RCU grace period (12-40 ms), one that only adds does
// not. Every later write, and every reading of the ruleset, comes after it.

const log = (m: string): void => void process.stderr.write(`${new Date().toISOString()} firewall: ${m}\n`);

export class WriteQueue {
  private tail: Promise<void> = Promise.resolve();
  private queued = 0;

  // Runs `job` after every job queued before it. The job calls `answer` when
  // its caller may go on before the job ends (its write only deletes); else
  // the caller hears the job's own result. A job that fails after answering
  // has marked its backend for the next apply itself: here it is logged.
  run<T>(job: (answer: (v: T) => void) => Promise<T>): Promise<T> {
    this.queued++;
    return new Promise<T>((resolve, reject) => {
      let answered = false;
      const answer = (v: T) => {
        answered = true;
        resolve(v);
      };
      const p = this.tail
        .then(() => job(answer))
        .then(
          (v) => resolve(v),
          (e: Error) => (answered ? log(`a deletion committed in the background failed (the next apply and the drift check redo it): ${e.message}`) : reject(e)),
        )
        .finally(() => this.queued--);
      this.tail = p.catch(() => {});
    });
  }

  // Every job queued so far (and any queued while waiting) has ended.
  async settled(): Promise<void> {
    for (let t = this.tail; ; t = this.tail) {
      await t;
      if (t === this.tail) return;
    }
  }

  pending(): boolean {
    return this.queued > 0;
  }
}

// An iptables-restore script that only deletes rules (`-D`): no chain
// declared (which would flush it), nothing inserted or appended.
export function onlyDeletes(script: string): boolean {
  const lines = script.split('\n').filter((l) => l && l !== 'COMMIT' && !l.startsWith('*'));
  return lines.length > 0 && lines.every((l) => l.startsWith('-D '));
}
