// Steps of an operation that already touched the kernel, undone in reverse
// when a later step fails (netavark's setup.rs). Undo keeps going past
// errors: leaving less behind beats stopping at the first failure.
export class Undo {
  private steps: (() => Promise<unknown>)[] = [];
  push(step: () => Promise<unknown>): void {
    this.steps.push(step);
  }
  async run(): Promise<string[]> {
    const errors: string[] = [];
    for (const s of this.steps.reverse()) {
      try {
        await s();
      } catch (e) {
        errors.push((e as Error).message);
      }
    }
    this.steps = [];
    return errors;
  }
}
