// The stream socket under a helper connection (unix-client.ts): node:net on
// Node (the app, the helper, the CLI on Node), Bun's own socket on Bun
// (dist/berth-cli). Bun builds its node:net, a JavaScript stream layer over
// that same socket, at its first load: ~7 ms of CPU of every CLI command,
// more than the rest of a command's own code (docs/architecture.md#the-cli-start).
// Both give what the client uses: frames written in order, reading paused
// and resumed, an end, and one close.

export interface StreamSocket {
  write(frame: string): void;
  pause(): void;
  resume(): void;
  end(): void; // once what was written is out
  destroy(): void;
  readonly destroyed: boolean;
}

export interface SocketEvents {
  data(chunk: Uint8Array): void;
  close(): void; // once, however the socket ended
}

// Connected, or rejects with the connect error (its `code`: ENOENT, ECONNREFUSED, EACCES).
export const openSocket = (path: string, on: SocketEvents): Promise<StreamSocket> =>
  process.versions.bun ? openBunSocket(path, on) : openNodeSocket(path, on);

// node:net loaded at the first connection, not at start (docs/architecture.md#the-cli-start)
async function openNodeSocket(path: string, on: SocketEvents): Promise<StreamSocket> {
  const net = (await import('node:net')).default;
  const sock = net.createConnection(path);
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', resolve);
    sock.once('error', reject);
  });
  sock.on('data', on.data);
  sock.on('error', () => {});
  sock.on('close', on.close);
  return {
    write: (frame) => void sock.write(frame),
    pause: () => void sock.pause(),
    resume: () => void (sock.destroyed || sock.resume()),
    end: () => void sock.end(),
    destroy: () => void sock.destroy(),
    get destroyed() {
      return sock.destroyed;
    },
  };
}

// What of Bun's socket API (Bun.connect) is used here; Bun's own types are not a dependency.
interface BunSocket {
  write(data: Uint8Array): number; // bytes taken now (the kernel's buffer may take less); < 0 once closed
  pause(): void;
  resume(): void;
  end(): void;
  terminate(): void;
}
interface BunGlobal {
  connect(o: {
    unix: string;
    socket: {
      data(s: BunSocket, chunk: Uint8Array): void;
      drain(s: BunSocket): void;
      close(s: BunSocket): void;
      error(s: BunSocket, e: Error): void;
    };
  }): Promise<BunSocket>;
}

async function openBunSocket(path: string, on: SocketEvents): Promise<StreamSocket> {
  // Bun's write takes what the kernel takes now: the rest waits here, in order, for `drain`
  const queue: Uint8Array[] = [];
  let ending = false;
  let closed = false;
  const flush = (s: BunSocket) => {
    while (queue.length) {
      const n = s.write(queue[0]);
      if (n < 0) return void (queue.length = 0);
      if (n < queue[0].length) return void (queue[0] = queue[0].subarray(n));
      queue.shift();
    }
    if (ending) s.end();
  };
  const s = await (globalThis as unknown as { Bun: BunGlobal }).Bun.connect({
    unix: path,
    socket: {
      data: (_s, chunk) => on.data(chunk),
      drain: flush,
      close: () => {
        if (closed) return;
        closed = true;
        queue.length = 0;
        on.close();
      },
      error: () => {},
    },
  });
  return {
    write(frame) {
      queue.push(Buffer.from(frame));
      if (queue.length === 1) flush(s);
    },
    pause: () => s.pause(),
    resume: () => void (closed || s.resume()),
    end() {
      ending = true;
      if (!queue.length) s.end();
    },
    destroy: () => void (closed || s.terminate()),
    get destroyed() {
      return closed;
    },
  };
}
