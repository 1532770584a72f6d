// The Electron app's link to the root helper: connect, reconnect with backoff,
// and report one state the tray and the renderer show.
import type { BerthClient } from '../../helper/src/client/unix-client';
import { isBerthError } from '../shared/errors';
import type { BerthEvent } from '../shared/events';
import type { HelperState } from '../preload/bridge';

export interface HelperConnectionDeps {
  socketPath: string;
  connect(socketPath: string): Promise<BerthClient>;
  // runs the privileged launch (sudo-prompt); resolves once the prompt returns
  launch(): Promise<void>;
  setTimer?(fn: () => void, ms: number): unknown;
  clearTimer?(t: unknown): void;
  now?(): number;
}

export const BACKOFF_MS = [250, 500, 1000, 2000, 4000, 8000] as const;
export const START_TIMEOUT_MS = 30_000;

export class HelperConnection {
  private current: BerthClient | null = null;
  private st: HelperState;
  private attempt = 0;
  private timer: unknown = null;
  private startingSince: number | null = null;
  private stopped = false;
  // this app started the helper (its prompt succeeded): quitting stops it again
  private launchedHere = false;
  private stateCbs = new Set<(s: HelperState) => void>();
  private eventCbs = new Set<(e: BerthEvent) => void>();
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (t: unknown) => void;
  private readonly now: () => number;

  constructor(private readonly deps: HelperConnectionDeps) {
    this.st = { state: 'not-running', socket: deps.socketPath };
    this.setTimer = deps.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = deps.clearTimer ?? ((t) => clearTimeout(t as NodeJS.Timeout));
    this.now = deps.now ?? Date.now;
  }

  get state(): HelperState {
    return this.st;
  }
  client(): BerthClient | null {
    return this.current;
  }
  onState(cb: (s: HelperState) => void): () => void {
    this.stateCbs.add(cb);
    return () => this.stateCbs.delete(cb);
  }
  onEvent(cb: (e: BerthEvent) => void): () => void {
    this.eventCbs.add(cb);
    return () => this.eventCbs.delete(cb);
  }

  // First attempt; resolves with the state after it.
  async start(): Promise<HelperState> {
    this.stopped = false;
    await this.tryConnect();
    return this.st;
  }

  // Start the helper through the privilege prompt, then wait for its socket.
  async launchHelper(): Promise<void> {
    if (this.st.state === 'connected' || this.st.state === 'starting') return;
    this.startingSince = this.now();
    this.set({ state: 'starting', socket: this.deps.socketPath });
    try {
      await this.deps.launch();
    } catch (e) {
      this.startingSince = null;
      this.set({ state: 'failed', socket: this.deps.socketPath, reason: (e as Error).message || String(e) });
      return;
    }
    this.launchedHere = true;
    this.attempt = 0;
    this.cancelTimer();
    await this.tryConnect();
  }

  // A helper this app started is stopped when the app quits (`npm start`'s
  // promise: the host is left as it was found); one that was already running,
  // or that the system runs, is left alone. True when a stop was asked.
  async stopLaunchedHelper(): Promise<boolean> {
    if (!this.launchedHere || !this.current) return false;
    await this.current.call('system.shutdown', {}).catch(() => {});
    this.launchedHere = false;
    return true;
  }

  stop(): void {
    this.stopped = true;
    this.cancelTimer();
    this.current?.close();
    this.current = null;
  }

  private async tryConnect(): Promise<void> {
    if (this.stopped || this.current) return;
    try {
      const c = await this.deps.connect(this.deps.socketPath);
      if (this.stopped) return c.close();
      this.current = c;
      this.attempt = 0;
      this.startingSince = null;
      c.onEvent((e) => this.eventCbs.forEach((cb) => cb(e)));
      c.onClose(() => {
        if (this.current !== c) return;
        this.current = null;
        this.set({ state: 'not-running', socket: this.deps.socketPath });
        this.schedule();
      });
      try {
        await c.call('events.subscribe', {});
      } catch {
        // an old helper without events still serves calls
      }
      this.set({ state: 'connected', socket: this.deps.socketPath });
    } catch (e) {
      const kind = isBerthError(e) ? e.kind : null;
      if (this.startingSince !== null && this.now() - this.startingSince < START_TIMEOUT_MS && kind === 'unavailable') {
        // still coming up after the prompt
      } else if (this.startingSince !== null && kind === 'unavailable') {
        this.startingSince = null;
        this.set({ state: 'failed', socket: this.deps.socketPath, reason: 'the helper did not open its socket within 30 s' });
      } else if (kind === 'unavailable') {
        this.set({ state: 'not-running', socket: this.deps.socketPath });
      } else {
        this.startingSince = null;
        this.set({ state: 'failed', socket: this.deps.socketPath, reason: (e as Error).message || String(e) });
      }
      this.schedule();
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    this.cancelTimer();
    const ms = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)];
    this.attempt++;
    this.timer = this.setTimer(() => {
      this.timer = null;
      void this.tryConnect();
    }, ms);
  }

  private cancelTimer(): void {
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
  }

  private set(s: HelperState): void {
    const same = s.state === this.st.state && (s as { reason?: string }).reason === (this.st as { reason?: string }).reason;
    this.st = s;
    if (!same) this.stateCbs.forEach((cb) => cb(s));
  }
}
