import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { writeWithRoom } from './exec-session';

// Input for a command that does not read it waits in the caller, not in the
// helper: writeWithRoom resolves only once the pipe has room again.
describe('writeWithRoom', () => {
  it('waits while a command does not read its input, and goes on when it does or ends', async () => {
    // reads nothing until told to (a line on the pipe after the pause), then everything
    const child = spawn('/bin/sh', ['-c', 'sleep 30'], { stdio: ['pipe', 'ignore', 'ignore'] });
    child.stdin.on('error', () => {});
    const chunk = Buffer.alloc(1 << 20, 120);
    const first = writeWithRoom(child.stdin, chunk);
    let settled = false;
    void first.then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 300));
    expect(settled).toBe(false); // 1 MiB does not fit a pipe nobody reads
    expect(child.stdin.writableLength).toBeLessThanOrEqual(chunk.length); // and nothing more was queued
    child.kill('SIGKILL');
    await first; // the command ended: the wait is over
  });

  it('resolves at once when there is room', async () => {
    const child = spawn('/bin/cat', [], { stdio: ['pipe', 'ignore', 'ignore'] });
    await writeWithRoom(child.stdin, 'hello\n');
    child.stdin.end();
    await new Promise((r) => child.once('exit', r));
  });
});
