import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectHelper } from '../client/unix-client';
import { cleanupDeps } from '../server/cleanup-deps';
import { makeHandlers } from '../server/handlers';
import { RpcServer } from '../server/rpc-server';
import type { State } from '../store/state';
import { memoryEngine } from './memory-engine';

// The real RPC server and handlers over an engine in memory, on a socket in
// a temp dir: what a client (the CLI, the GUI's transports) sees of a helper,
// without root or kernel. Every request is parsed by the contract as in the
// helper; the caller checks results against the contract's result schemas.
export async function startMemoryHelper(state?: State) {
  const dir = mkdtempSync(join(tmpdir(), 'berth-memory-helper-'));
  const socketPath = join(dir, 'berth.sock');
  const { engine, store } = memoryEngine(state, { dataRoot: dir });
  const logs: string[] = [];
  const server = new RpcServer({
    socketPath,
    ownerUid: process.getuid!(),
    ownerGid: process.getgid!(),
    log: (m) => logs.push(m),
    handlers: makeHandlers({
      engine,
      socketPath,
      dataRoot: dir,
      startedAt: '2026-01-01T00:00:00.000Z',
      version: '0.0.0-test',
      ownerUid: process.getuid!(),
      shutdown: () => {},
      inspect: cleanupDeps(engine, dir, join(dir, 'state.json')),
    }),
  });
  engine.on((e) => server.broadcast(e));
  await server.listen();
  return {
    engine,
    store,
    socketPath,
    logs,
    connect: () => connectHelper(socketPath),
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
