import { describe, expect, it } from 'vitest';
import { onlyDeletes, WriteQueue } from './write-queue';

describe('firewall write queue', () => {
  it('answers a job that calls answer before it ends, and runs later jobs after it', async () => {
    const q = new WriteQueue();
    const order: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const first = q.run<string>(async (answer) => {
      answer('planned');
      await held;
      order.push('first committed');
      return 'done';
    });
    expect(await first).toBe('planned');
    expect(q.pending()).toBe(true);
    const second = q.run<string>(async () => (order.push('second'), 'second'));
    const settled = q.settled().then(() => order.push('settled'));
    release();
    expect(await second).toBe('second');
    await settled;
    expect(order).toEqual(['first committed', 'second', 'settled']);
    expect(q.pending()).toBe(false);
  });

  it('rejects a job that fails before answering; one failing after answering does not stop the queue', async () => {
    const q = new WriteQueue();
    await expect(q.run(async () => Promise.reject(new Error('in line')))).rejects.toThrow('in line');
    const errors: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((s: string) => (errors.push(String(s)), true)) as typeof process.stderr.write;
    try {
      expect(await q.run<number>(async (answer) => (answer(1), Promise.reject(new Error('late'))))).toBe(1);
      expect(await q.run<number>(async () => 2)).toBe(2);
    } finally {
      process.stderr.write = write;
    }
    expect(errors.join('')).toContain('late');
  });

  it('knows a restore script that only deletes', () => {
    expect(onlyDeletes('*filter\n-D BERTH -o br-x -j DROP\nCOMMIT\n*nat\n-D POSTROUTING -s 10.0.0.0/24 -j MASQUERADE\nCOMMIT\n')).toBe(true);
    expect(onlyDeletes('*filter\n-D BERTH -o br-x -j DROP\n-A BERTH -o br-y -j DROP\nCOMMIT\n')).toBe(false);
    expect(onlyDeletes('*filter\n:BERTH - [0:0]\n-D BERTH -o br-x -j DROP\nCOMMIT\n')).toBe(false);
    expect(onlyDeletes('*filter\n-I FORWARD 1 -j BERTH\nCOMMIT\n')).toBe(false);
    expect(onlyDeletes('')).toBe(false);
  });
});
