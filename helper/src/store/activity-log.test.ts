import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ActivityLog } from './activity-log';
import { doerOf, currentDoer, runAs } from '../server/actor';

describe('ActivityLog', () => {
  const dirs: string[] = [];
  const file = () => {
    const d = mkdtempSync(join(tmpdir(), 'berth-activity-'));
    dirs.push(d);
    return join(d, 'activity.json');
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('keeps events with who did them across a restart, bounded, without log lines or progress', () => {
    const path = file();
    const a = new ActivityLog(path, 3);
    a.record({ type: 'network.created', id: 'n1', name: 'front' }, 'cli', 'cli');
    a.record({ type: 'log', container: 'web', stream: 'stdout', data: 'x' }, 'helper');
    a.record({ type: 'progress', op: 'network.prune', done: 1, total: 2, message: '' }, 'gui');
    a.record({ type: 'container.changed', id: 'c1', name: 'web', status: 'running' }, 'gui', 'gui');
    a.record({ type: 'drift.found', missing: 1, extra: 0, healed: true }, 'drift');
    a.record({ type: 'cleanup.applied', snapshotId: 's1', count: 2 }, 'cleanup', 'gui');
    a.flush();
    expect((statSync(path).mode & 0o777).toString(8)).toBe('600');
    const b = new ActivityLog(path, 3);
    expect(b.list().map((e) => [e.event.type, e.actor])).toEqual([['container.changed', 'gui'], ['drift.found', 'drift'], ['cleanup.applied', 'cleanup']]);
    expect(b.list({ actor: 'drift' })).toHaveLength(1);
    // numbering goes on after a restart
    expect(b.record({ type: 'network.removed', id: 'n1', name: 'front' }, 'cli')!.seq).toBe(5);
  });

  it('starts empty from a broken file and skips entries that do not validate', () => {
    const path = file();
    writeFileSync(path, '{"version":1,"entries":[');
    const logged: string[] = [];
    expect(new ActivityLog(path, 10, (m) => logged.push(m)).list()).toEqual([]);
    expect(logged[0]).toMatch(/not valid/);
    writeFileSync(path, JSON.stringify({ version: 1, entries: [{ seq: 1, at: 'x', actor: 'root', event: {} }, { seq: 2, at: '2026-01-01T00:00:00.000Z', actor: 'cli', event: { type: 'network.created', id: 'n', name: 'a' } }] }));
    expect(new ActivityLog(path, 10).list().map((e) => e.seq)).toEqual([2]);
    // saving replaces the file whole
    const c = new ActivityLog(path, 10);
    c.record({ type: 'network.removed', id: 'n', name: 'a' }, 'gui');
    c.flush();
    expect(JSON.parse(readFileSync(path, 'utf8')).entries).toHaveLength(2);
  });

  it('writes on its own a moment after the last event, off the event loop, 0600', async () => {
    const path = file();
    const a = new ActivityLog(path, 10);
    a.record({ type: 'network.created', id: 'n1', name: 'front' }, 'cli', 'cli');
    const written = () => {
      try {
        return JSON.parse(readFileSync(path, 'utf8')).entries.length as number;
      } catch {
        return 0;
      }
    };
    // bounded for a loaded machine (200 tries of 25 ms ran out once in a full unit run at load ~18)
    await expect.poll(written, { timeout: 60_000, interval: 25, message: 'the timed write of the activity log' }).toBe(1);
    expect((statSync(path).mode & 0o777).toString(8)).toBe('600');
    expect(new ActivityLog(path, 10).list().map((e) => e.event.type)).toEqual(['network.created']);
  });

  it('knows who a request works for through every await; cleanup calls are the cleanup', async () => {
    expect(doerOf('network.create', 'gui')).toEqual({ actor: 'gui', client: 'gui' });
    expect(doerOf('cleanup.undo', 'cli')).toEqual({ actor: 'cleanup', client: 'cli' });
    const seen = await runAs({ actor: 'cli', client: 'cli' }, async () => {
      await new Promise((r) => setTimeout(r, 1));
      return currentDoer();
    });
    expect(seen).toEqual({ actor: 'cli', client: 'cli' });
    expect(currentDoer()).toBeUndefined();
  });
});
