import type net from 'node:net';
import { bytesFrameHeader, encodeLine } from '../../../src/shared/rpc-frames';
import { jsonPieces } from './json-pieces';

export interface FrameOutputLimits {
  drainBytes: number; // a big answer waits for the reader above this much unsent
  maxBacklogBytes: number; // unsent output at which a reader that stopped is dropped
  stallMs: number; // how long a big answer waits for a reader that stopped
}

const CHUNK = 64 * 1024; // characters per write of a big answer

// What one connection sends, in order, one whole line per frame. A frame is
// encoded in pieces (json-pieces.ts) and written a chunk at a time; while
// the reader is behind by more than drainBytes, the rest of that frame waits
// for it (and the frames after it, in line): the helper holds the answer's
// objects and a chunk, not a copy of the whole text on top of them
// (docs/architecture.md, "Helper memory"). A reader that stops mid-answer is
// dropped after stallMs; a connection that goes drops what was queued.
export class FrameOutput {
  // a string: a frame encoded while the line was busy; bytes: a bytes frame, header included
  private queue: (object | string | Uint8Array)[] = [];
  private queuedBytes = 0;
  private current: Iterator<string> | null = null;
  private waiting = false;
  private endWhenDone = false;

  constructor(
    private readonly sock: net.Socket,
    private readonly limits: FrameOutputLimits,
    private readonly log: (msg: string) => void,
  ) {
    sock.once('close', () => {
      this.queue = [];
      this.current = null; // the answer's objects go with it
    });
  }

  // `big`: an answer, which may be megabytes and is encoded as it is sent;
  // otherwise (events, errors) a frame is encoded at once if it must wait.
  send(frame: object, big = false): void {
    if (this.sock.destroyed || !this.sock.writable) return;
    if (this.waiting) {
      if (big) this.queue.push(frame);
      else {
        const line = encodeLine(frame);
        this.queuedBytes += line.length;
        this.queue.push(line);
        this.checkBacklog();
      }
      return;
    }
    this.queue.push(frame);
    this.pump();
  }

  // a bytes frame (rpc-frames.ts bytesFrameHeader): its header line and the bytes as they are
  sendBytes(stream: string, data: Uint8Array): void {
    if (this.sock.destroyed || !this.sock.writable || !data.length) return;
    const header = Buffer.from(bytesFrameHeader(stream, data.length));
    if (this.waiting) {
      const frame = Buffer.concat([header, data]);
      this.queuedBytes += frame.length;
      this.queue.push(frame);
      this.checkBacklog();
      return;
    }
    this.sock.cork(); // header and bytes in one write
    this.sock.write(header);
    this.sock.write(data);
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
      if (!this.current) {
        const next = this.queue.shift();
        if (next === undefined) break;
        if (typeof next === 'string' || next instanceof Uint8Array) {
          this.queuedBytes -= next.length;
          sock.write(next);
          if (!this.checkBacklog()) return;
          continue;
        }
        this.current = jsonPieces(next);
      }
      let chunk = '';
      try {
        for (let r = this.current.next(); !r.done; r = this.current.next()) {
          chunk += r.value;
          if (chunk.length < CHUNK) continue;
          sock.write(chunk);
          chunk = '';
          if (sock.writableLength > this.limits.drainBytes) {
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
      sock.write(chunk + '\n');
      if (!this.checkBacklog()) return;
    }
    if (this.endWhenDone) sock.end();
  }

  private waitForReader(): void {
    const sock = this.sock;
    this.waiting = true;
    const stall = setTimeout(() => {
      this.log(`dropped a client that read nothing of an answer for ${this.limits.stallMs / 1000} s`);
      sock.destroy();
    }, this.limits.stallMs);
    stall.unref();
    onceDrainedOrClosed(sock, () => {
      clearTimeout(stall);
      this.waiting = false;
      this.pump();
    });
  }

  // false: the connection was dropped
  private checkBacklog(): boolean {
    const unsent = this.sock.writableLength + this.queuedBytes;
    if (unsent <= this.limits.maxBacklogBytes) return true;
    this.log(`dropped a client that left ${unsent} bytes unread`);
    this.sock.destroy();
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
