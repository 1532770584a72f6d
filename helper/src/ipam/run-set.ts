// A set of integers (bigints: IPv6 addresses are 128-bit) kept as sorted, disjoint, non-touching runs [start, end].
// A /8 has 16 M addresses: a bitmap would cost 2 MB per network and a
// linear scan would be slow, while containers are usually handed out
// sequentially and so collapse into a handful of runs. Lookups are binary
// searches; inserts and deletes splice one array slot.
export class RunSet {
  private starts: bigint[] = [];
  private ends: bigint[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Number of runs; exposed so tests can check that runs merge. */
  get runCount(): number {
    return this.starts.length;
  }

  has(n: bigint): boolean {
    const i = this.runAtOrBefore(n);
    return i >= 0 && this.ends[i] >= n;
  }

  /** Adds n; false when it was already present. */
  add(n: bigint): boolean {
    const i = this.runAtOrBefore(n);
    if (i >= 0 && this.ends[i] >= n) return false;
    this.count++;
    const joinsLeft = i >= 0 && this.ends[i] === n - 1n;
    const joinsRight = i + 1 < this.starts.length && this.starts[i + 1] === n + 1n;
    if (joinsLeft && joinsRight) {
      this.ends[i] = this.ends[i + 1];
      this.starts.splice(i + 1, 1);
      this.ends.splice(i + 1, 1);
    } else if (joinsLeft) {
      this.ends[i] = n;
    } else if (joinsRight) {
      this.starts[i + 1] = n;
    } else {
      this.starts.splice(i + 1, 0, n);
      this.ends.splice(i + 1, 0, n);
    }
    return true;
  }

  /** Removes n; false when it was absent. */
  delete(n: bigint): boolean {
    const i = this.runAtOrBefore(n);
    if (i < 0 || this.ends[i] < n) return false;
    this.count--;
    const start = this.starts[i];
    const end = this.ends[i];
    if (start === end) {
      this.starts.splice(i, 1);
      this.ends.splice(i, 1);
    } else if (n === start) {
      this.starts[i] = n + 1n;
    } else if (n === end) {
      this.ends[i] = n - 1n;
    } else {
      this.ends[i] = n - 1n;
      this.starts.splice(i + 1, 0, n + 1n);
      this.ends.splice(i + 1, 0, end);
    }
    return true;
  }

  /** Lowest member-free integer in [lo, hi], or null when all are taken.
   * Runs never touch, so the number just past a run is always free. */
  lowestFree(lo: bigint, hi: bigint): bigint | null {
    if (lo > hi) return null;
    const i = this.runAtOrBefore(lo);
    const candidate = i >= 0 && this.ends[i] >= lo ? this.ends[i] + 1n : lo;
    return candidate <= hi ? candidate : null;
  }

  /** Members in ascending order. */
  *values(): Generator<bigint> {
    for (let i = 0; i < this.starts.length; i++) {
      for (let n = this.starts[i]; n <= this.ends[i]; n++) yield n;
    }
  }

  // Index of the last run whose start is <= n, or -1.
  private runAtOrBefore(n: bigint): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.starts[mid] <= n) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }
}
