import type net from 'node:net';
import { BerthError } from '../../../src/shared/errors';
import type { RpcResponse } from '../../../src/shared/rpc';
import { bytesFrameHeader, encodeLine, errorFrame } from '../../../src/shared/rpc-frames';
import { releaseAfterAnswer } from '../inspect/release-memory';
import { jsonPieces } from './json-pieces';
import type { BudgetedOutput, OutputBudget } from './output-budget';

export interface FrameOutputLimits {
  drainBytes: number; // other frames wait for the reader above this much unsent (a big answer's next chunk, once any is)
  maxBacklogBytes: number; // unsent output at which a reader that stopped is dropped
  stallMs: number; // how long a big answer waits for a reader that stopped
  maxHeldAnswers: number; // answers waiting for this reader; more are refused
}

const CHUNK = 64 * 1024; // characters per write of a big answer

// an answer being sent: its text so far not written and the rest of its encoding
interface Answer {
  head: string;
  rest: Iterator<string>;
}
// an answer encoded whole while the line was busy (its line, newline included).
// Every answer's last write calls releaseAfterAnswer once the kernel has it: the
// one place a reading's garbage is collected, after its caller's answer and not
// ahead of it (inspect/release-memory.ts).
interface WholeAnswer {
  line: string;
}

// What one connection sends, in order, one whole line per frame. A frame is
// encoded in pieces (json-pieces.ts) and written a chunk at a time, the next
// once the kernel took the last; while it has not, the rest of that frame waits
// for the reader (and the frames after it, in line): the helper holds the answer's
// objects and a chunk, not a copy of the whole text on top of them
// (docs/architecture.md, "Helper memory"). A reader that stops mid-answer is
// dropped after stallMs; a connection that goes drops what was queued.
// What it holds is bounded per connection (maxHeldAnswers: an answer beyond
// it is refused with an error; maxBacklogBytes: the reader is dropped) and,
// with every other connection's, by the server's OutputBudget.
export class FrameOutput implements BudgetedOutput {
  // a string: a frame encoded while the line was busy; bytes: a bytes frame,
  // header included; an Answer: one being encoded as it is sent
  private queue: (Answer | WholeAnswer | string | Uint8Array)[] = [];
  private queuedBytes = 0;
  private current: Iterator<string> | null = null;
  private waiting = false;
  private endWhenDone = false;
  heldAnswers = 0; // answers in the queue and the one being written
  stalledSince: number | null = null;

  constructor(
    private readonly sock: net.Socket,
    private readonly limits: FrameOutputLimits,
    private readonly log: (msg: string) => void,
    private readonly budget: OutputBudget,
  ) {
    budget.add(this);
    sock.once('close', () => this.release());
  }

  // more than drainBytes not yet sent: the connection reads no new request (rpc-server.ts pump)
  get behind(): boolean {
    return !this.sock.destroyed && (this.waiting || this.sock.writableLength > this.limits.drainBytes);
  }

  get unsentBytes(): number {
    return this.sock.destroyed ? 0 : this.sock.writableLength + this.queuedBytes;
  }

  // `big`: an answer, which may be megabytes and is encoded as it is sent;
  // otherwise (events, errors) a small frame, encoded at once.
  send(frame: object, big = false): void {
    if (this.sock.destroyed || !this.sock.writable) return;
    if (!big) return this.sendLine(encodeLine(frame));
    if (!this.waiting) {
      if (!this.budget.makeRoomForAnswer(this)) return;
      this.hold(1);
      this.queue.push({ head: '', rest: jsonPieces(frame) });
      return this.pump();
    }
    // the line is busy: an answer that fits in a chunk waits as text, a
    // bigger one as its first chunk and the rest of its walk, counted as held
    const rest = jsonPieces(frame);
    let head = '';
    try {
      for (let r = rest.next(); ; r = rest.next()) {
        if (r.done) {
          this.queuedBytes += head.length + 1;
          this.queue.push({ line: head + '\n' });
          this.checkBacklog();
          return;
        }
        head += r.value;
        if (head.length >= CHUNK) break;
      }
    } catch (e) {
      this.log(`an answer could not be encoded: ${(e as Error).stack ?? e}`);
      return this.sendLine(encodeLine(errorFrame((frame as RpcResponse).id ?? null, new BerthError('internal', 'the answer could not be encoded'))));
    }
    if (this.heldAnswers >= this.limits.maxHeldAnswers) {
      // a small error in its place: the reader learns why, the helper lets the answer go
      return this.sendLine(encodeLine(errorFrame((frame as RpcResponse).id ?? null, new BerthError('unavailable',
        `refused: ${this.heldAnswers} earlier answers on this connection wait to be read (at most ${this.limits.maxHeldAnswers}); read them, then ask again`))));
    }
    if (!this.budget.makeRoomForAnswer(this)) return;
    this.hold(1);
    this.queuedBytes += head.length;
    this.queue.push({ head, rest });
  }

  private sendLine(line: string): void {
    if (this.waiting) {
      this.queuedBytes += line.length;
      this.queue.push(line);
    } else this.sock.write(line);
    this.checkBacklog();
  }

  // Under memory pressure (OutputBudget): what this connection holds goes at
  // once, before the socket's close, so the budget sees it gone.
  dropForPressure(why: string): void {
    this.log(`dropped a client that stopped reading (${why})`);
    this.drop();
  }

  private drop(): void {
    this.release();
    this.sock.destroy();
  }

  private hold(n: number): void {
    this.heldAnswers += n;
    this.budget.heldAnswers += n;
  }

  private release(): void {
    this.queue = [];
    this.queuedBytes = 0;
    this.current = null; // the answer's objects go with it
    this.hold(-this.heldAnswers);
    this.stalledSince = null;
    this.budget.remove(this);
  }

  // a bytes frame (rpc-frames.ts bytesFrameHeader): its header line and the
  // parts' bytes as they are, one after another (a page of `berth nat ls`:
  // views of kept rows and new ones, one frame and one write, not one each)
  sendBytes(stream: string, parts: readonly Uint8Array[]): void {
    let length = 0;
    for (const p of parts) length += p.length;
    if (this.sock.destroyed || !this.sock.writable || !length) return;
    const header = Buffer.from(bytesFrameHeader(stream, length));
    if (this.waiting) {
      const frame = Buffer.concat([header, ...parts]);
      this.queuedBytes += frame.length;
      this.queue.push(frame);
      this.checkBacklog();
      return;
    }
    this.sock.cork(); // header and bytes in one write
    this.sock.write(header);
    for (const p of parts) if (p.length) this.sock.write(p);
    this.sock.uncork();
    this.checkBacklog();
  }

  // ends the connection after what is queued
  end(): void {
    if (this.waiting) this.endWhenDone = true;
    else this.sock.end();
  }

  // resolves once what was sent is down to drainBytes (or the connection closed)
  async drained(): Promise<void> {
    while (!this.sock.destroyed && (this.waiting || this.sock.writableLength > this.limits.drainBytes)) {
      await new Promise<void>((r) => onceDrainedOrClosed(this.sock, r));
    }
  }

  private pump(): void {
    const sock = this.sock;
    for (;;) {
      if (sock.destroyed) return;
      let chunk = '';
      if (!this.current) {
        const next = this.queue.shift();
        if (next === undefined) break;
        if (typeof next === 'string' || next instanceof Uint8Array) {
          this.queuedBytes -= next.length;
          sock.write(next);
          if (!this.checkBacklog()) return;
          continue;
        }
        if ('line' in next) {
          this.queuedBytes -= next.line.length;
          sock.write(next.line, releaseAfterAnswer);
          if (!this.checkBacklog()) return;
          continue;
        }
        // the walk is the only reference left to the answer: it lets go of the written parts (json-pieces.ts)
        this.current = next.rest;
        chunk = next.head;
        this.queuedBytes -= chunk.length;
      }
      try {
        for (let r = this.current.next(); !r.done; r = this.current.next()) {
          chunk += r.value;
          if (chunk.length < CHUNK) continue;
          sock.write(chunk);
          chunk = '';
          // The next chunk is encoded once the kernel took this one. A chunk it has not
          // taken yet stays a string in V8's heap, in the socket's own queue: encoded up to
          // drainBytes ahead (1 MB), they outlived the young generation while a reader took
          // a 3.9 MB host.inspect answer, ~1-1.5 MB promoted per answer and a full
          // collection every few readings (docs/architecture.md, "Helper memory").
          if (sock.writableLength > 0) {
            this.waitForReader(); // the rest of this frame once the reader has read
            return;
          }
        }
      } catch (e) {
        // a value JSON cannot hold (a cycle, a BigInt): a bug; part of the line may be out
        this.log(`an answer could not be encoded: ${(e as Error).stack ?? e}`);
        sock.destroy();
        return;
      }
      this.current = null;
      this.hold(-1);
      sock.write(chunk + '\n', releaseAfterAnswer);
      if (!this.checkBacklog()) return;
    }
    if (this.endWhenDone) sock.end();
  }

  private waitForReader(): void {
    const sock = this.sock;
    this.waiting = true;
    this.stalledSince = Date.now();
    const stall = setTimeout(() => {
      this.log(`dropped a client that read nothing of an answer for ${this.limits.stallMs / 1000} s`);
      this.drop();
    }, this.limits.stallMs);
    stall.unref();
    onceDrainedOrClosed(sock, () => {
      clearTimeout(stall);
      this.waiting = false;
      this.stalledSince = null;
      this.pump();
    });
  }

  // false: the connection was dropped
  private checkBacklog(): boolean {
    const unsent = this.sock.writableLength + this.queuedBytes;
    // the sum over all connections matters only once this one is behind
    if (unsent > this.limits.drainBytes && !this.budget.checkBytes(this)) return false;
    if (unsent <= this.limits.maxBacklogBytes) return true;
    this.log(`dropped a client that left ${unsent} bytes unread`);
    this.drop();
    return false;
  }
}

// `then` once, on the socket's next 'drain' or its 'close', whichever comes first
function onceDrainedOrClosed(sock: net.Socket, then: () => void): void {
  const done = () => {
    sock.off('drain', done);
    sock.off('close', done);
    then();
  };
  sock.on('drain', done);
  sock.on('close', done);
}
