import { describe, expect, it } from 'vitest';
import { bridgeNetwork, container, memoryEngine, stateOf } from '../testing/memory-engine';
import { findContainer, findNetwork } from './engine';
import { noneBackend, type FirewallBackend } from '../firewall/backend';
import type { NetworkRecord } from '../store/state';

// The engine's transaction rules, without root: a draft is committed only
// after the store saved it; anything else undoes the kernel steps in reverse
// and leaves the committed state (and the store) as they were.
const red = bridgeNetwork('red', '10.1.0.0/24');
const blue = bridgeNetwork('blue', '10.2.0.0/24', { internal: true });
const web = container('web', [red], { running: true });

describe('Engine.tx', () => {
  it('saves the draft before it answers; the engine then holds it', async () => {
    const { engine, store } = memoryEngine(stateOf([red]));
    const r = await engine.tx(async (s) => {
      s.networks[blue.id] = blue;
      return 'done';
    });
    expect(r).toBe('done');
    expect(store.saves).toBe(1);
    expect(Object.keys(store.load().networks)).toEqual([red.id, blue.id]);
    expect(engine.state.networks[blue.id]).toEqual(blue);
  });

  it('a failed step runs the undo steps in reverse; state and store stay as they were', async () => {
    const { engine, store } = memoryEngine(stateOf([red]));
    const before = structuredClone(engine.state);
    const undone: string[] = [];
    const op = engine.tx(async (s, undo) => {
      s.networks[blue.id] = blue;
      undo.push(async () => void undone.push('bridge'));
      undo.push(async () => void undone.push('rules'));
      throw new Error('iptables-restore: exit 1');
    });
    await expect(op).rejects.toThrow('iptables-restore: exit 1');
    expect(undone).toEqual(['rules', 'bridge']);
    expect(engine.state).toEqual(before);
    expect(store.saves).toBe(0);
    expect(store.load()).toEqual(before);
  });

  it('a save that fails (full disk) undoes the kernel steps and keeps the committed state', async () => {
    const { engine, store } = memoryEngine(stateOf([red]));
    const before = structuredClone(engine.state);
    const undone: string[] = [];
    store.failNextSave();
    const op = engine.tx(async (s, undo) => {
      s.networks[blue.id] = blue;
      undo.push(async () => void undone.push('bridge'));
    });
    await expect(op).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(undone).toEqual(['bridge']);
    expect(engine.state).toEqual(before);
  });

  it('a draft the store would refuse to load is never committed', async () => {
    const { engine, store } = memoryEngine(stateOf([red]));
    const op = engine.tx(async (s) => {
      s.networks[red.id] = { ...red, bridge: 'a-name-longer-than-15' };
    });
    await expect(op).rejects.toThrow(/not an interface name/);
    expect(engine.state.networks[red.id].bridge).toBe(red.bridge);
    expect(store.saves).toBe(0);
  });

  it('undo keeps going past a failing step, and the failure names what could not be undone', async () => {
    const { engine } = memoryEngine(stateOf([red]));
    const undone: string[] = [];
    const op = engine.tx(async (_s, undo) => {
      undo.push(async () => void undone.push('first'));
      undo.push(async () => {
        throw new Error('link veth1 busy');
      });
      throw new Error('attach failed');
    });
    await expect(op).rejects.toThrow('attach failed (rollback: link veth1 busy)');
    expect(undone).toEqual(['first']);
  });

  it('addresses taken by a failed operation are free again (IPAM follows the committed state)', async () => {
    const { engine } = memoryEngine(stateOf([red]));
    const first = engine.ipam.requestAddress(red.id);
    engine.ipam.releaseAddress(red.id, first);
    const op = engine.tx(async () => {
      expect(engine.ipam.requestAddress(red.id)).toBe(first);
      throw new Error('veth creation failed');
    });
    await expect(op).rejects.toThrow('veth creation failed');
    expect(engine.ipam.requestAddress(red.id)).toBe(first);
  });

  it('mutations never interleave, and a failed one does not stop the queue', async () => {
    const { engine } = memoryEngine(stateOf([red]));
    const seen: string[] = [];
    let release!: () => void;
    const slow = engine.tx(async () => {
      seen.push('slow start');
      await new Promise<void>((r) => (release = r));
      seen.push('slow end');
      throw new Error('slow failed');
    });
    const fast = engine.tx(async () => void seen.push('fast'));
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual(['slow start']);
    release();
    await expect(slow).rejects.toThrow('slow failed');
    await fast;
    expect(seen).toEqual(['slow start', 'slow end', 'fast']);
  });
});

describe('group commit', () => {
  // a firewall that counts its applies and remembers the endpoints of each
  const countingFirewall = () => {
    const applied: number[] = [];
    const fw: FirewallBackend = { ...noneBackend, name: 'iptables', apply: async (m) => (applied.push(m.networks.length), { missing: [], extra: [] }) };
    return { fw, applied };
  };
  const addNetwork = (engine: ReturnType<typeof memoryEngine>['engine'], n: NetworkRecord, undone: string[] = [], fail = false) =>
    engine.tx(async (s, undo) => {
      s.networks[n.id] = n;
      await engine.alongFirewall(s, undo, async () => undo.push(async () => void undone.push(n.name)));
      if (fail) throw new Error(`${n.name} failed`);
      return Object.keys(s.networks).length;
    });
  const nets = ['a', 'b', 'c', 'd'].map((x, i) => bridgeNetwork(x, `10.${20 + i}.0.0/24`));

  it('mutations that arrive together are saved once and the firewall applied once, each on the state the ones before left', async () => {
    const { fw, applied } = countingFirewall();
    const { engine, store } = memoryEngine(stateOf([red]), { firewall: fw });
    const seen = await Promise.all(nets.map((n) => addNetwork(engine, n)));
    expect(seen).toEqual([2, 3, 4, 5]);
    expect(store.saves).toBe(1);
    expect(applied).toEqual([5]);
    expect(Object.keys(store.load().networks)).toHaveLength(5);
  });

  it('a member that fails is undone alone; the others commit', async () => {
    const { fw, applied } = countingFirewall();
    const { engine, store } = memoryEngine(stateOf([red]), { firewall: fw });
    const undone: string[] = [];
    const r = await Promise.allSettled(nets.map((n, i) => addNetwork(engine, n, undone, i === 1)));
    expect(r.map((x) => x.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(undone).toEqual(['b']);
    expect(Object.keys(store.load().networks).sort()).toEqual([red.id, nets[0].id, nets[2].id, nets[3].id].sort());
    expect(applied.at(-1)).toBe(4);
  });

  it('a commit that fails (full disk) undoes every member in reverse and answers each with the error', async () => {
    const { fw, applied } = countingFirewall();
    const { engine, store } = memoryEngine(stateOf([red]), { firewall: fw });
    const before = structuredClone(engine.state);
    const undone: string[] = [];
    store.failNextSave();
    const r = await Promise.allSettled(nets.map((n) => addNetwork(engine, n, undone)));
    expect(r.every((x) => x.status === 'rejected' && (x.reason as NodeJS.ErrnoException).code === 'ENOSPC')).toBe(true);
    expect(undone).toEqual(['d', 'c', 'b', 'a']);
    expect(engine.state).toEqual(before);
    expect(applied.at(-1)).toBe(1); // the firewall is back at the committed state
  });
});

describe('sandbox steps left running (tx overlap)', () => {
  const gate = () => {
    let open!: () => void;
    let fail!: (e: Error) => void;
    const p = new Promise<void>((res, rej) => ((open = res), (fail = rej)));
    return { p, open, fail };
  };
  // turns of the event loop until `cond` holds (the engine's work here is promise chains, no timers)
  const until = async (cond: () => boolean, what: string) => {
    for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setImmediate(r));
    if (!cond()) throw new Error(`never happened: ${what}`);
  };
  const nets = ['a', 'b', 'c'].map((x, i) => bridgeNetwork(x, `10.${30 + i}.0.0/24`));
  // a member that adds network `n`, with a sandbox step of `step` when given
  const member = (engine: ReturnType<typeof memoryEngine>['engine'], n: NetworkRecord, log: string[], o: { step?: Promise<void>; overlap?: boolean } = {}) =>
    engine.tx(
      async (s, undo) => {
        log.push(`${n.name} runs`);
        s.networks[n.id] = n;
        undo.push(async () => void log.push(`${n.name} undone`));
        if (o.step) {
          const step = o.step;
          await engine.sandboxStep(async () => {
            await step;
            log.push(`${n.name} step done`);
          }, true);
        }
        return n.name;
      },
      { overlap: o.overlap ?? true },
    );

  it('the next overlapping member runs while a step goes on; nobody hears success or is saved before it ends', async () => {
    const { engine, store } = memoryEngine(stateOf([red]));
    const log: string[] = [];
    const g = gate();
    let answered = 0;
    const ops = [member(engine, nets[0], log, { step: g.p }), member(engine, nets[1], log)].map((p) => p.then((v) => (answered++, v)));
    await until(() => log.includes('b runs'), 'b runs');
    expect(log).toEqual(['a runs', 'b runs']);
    expect(answered).toBe(0);
    expect(store.saves).toBe(0);
    g.open();
    expect(await Promise.all(ops)).toEqual(['a', 'b']);
    expect(log).toEqual(['a runs', 'b runs', 'a step done']);
    expect(store.saves).toBe(1);
    expect(Object.keys(store.load().networks)).toHaveLength(3);
  });

  it('a member that may not overlap starts only once the steps before it ended', async () => {
    const { engine } = memoryEngine(stateOf([red]));
    const log: string[] = [];
    const g = gate();
    const ops = [member(engine, nets[0], log, { step: g.p }), member(engine, nets[1], log, { overlap: false })];
    await until(() => log.includes('a runs'), 'a runs');
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(log).toEqual(['a runs']);
    g.open();
    await Promise.all(ops);
    expect(log).toEqual(['a runs', 'a step done', 'b runs']);
  });

  it('a failed step fails its member alone: the overlapping members after it are undone and run again, one by one; the ones before stay', async () => {
    const { engine, store } = memoryEngine(stateOf([red]));
    const log: string[] = [];
    const g = gate();
    const first = member(engine, nets[0], log, { overlap: false });
    const failing = member(engine, nets[1], log, { step: g.p });
    const after = member(engine, nets[2], log);
    await until(() => log.includes('c runs'), 'c runs');
    g.fail(new Error('ip: Cannot find device'));
    const r = await Promise.allSettled([first, failing, after]);
    expect(r.map((x) => x.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(((r[1] as PromiseRejectedResult).reason as Error).message).toMatch(/^ip: Cannot find device/);
    expect(log).toEqual(['a runs', 'b runs', 'c runs', 'c undone', 'b undone', 'c runs']);
    expect(Object.keys(store.load().networks).sort()).toEqual([red.id, nets[0].id, nets[2].id].sort());
    expect(engine.state).toEqual(store.load());
  });
});

describe('events', () => {
  // an operation's events reach listeners once it is committed, so a listener
  // that reads the state (the DNS server, a GUI refetching) finds what they speak of
  const create = (engine: ReturnType<typeof memoryEngine>['engine'], n: NetworkRecord, fail = false) =>
    engine.tx(async (s) => {
      s.networks[n.id] = n;
      engine.emit({ type: 'network.created', id: n.id, name: n.name });
      // something this operation leaves running emits after the batch, at once
      void later.then(() => engine.emit({ type: 'network.removed', id: n.id, name: n.name }));
      if (fail) throw new Error(`${n.name} failed`);
    });
  let fire: () => void = () => {};
  const later = new Promise<void>((r) => (fire = r));

  it('are sent after the commit, with the state they speak of; a failed operation sends none', async () => {
    const { engine } = memoryEngine(stateOf([red]));
    const seen: string[] = [];
    engine.on((e) => {
      if (e.type === 'network.created') seen.push(`${e.name}:${e.id in engine.state.networks ? 'committed' : 'not yet'}`);
      if (e.type === 'network.removed') seen.push(`later:${e.name}`);
    });
    const r = await Promise.allSettled([create(engine, blue), create(engine, bridgeNetwork('bad', '10.9.0.0/24'), true)]);
    expect(r.map((x) => x.status)).toEqual(['fulfilled', 'rejected']);
    expect(seen).toEqual(['blue:committed']);
    fire();
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual(['blue:committed', 'later:blue', 'later:bad']);
  });
});

describe('the engine reads its state', () => {
  it('restores IPAM from the store: a running endpoint keeps its address', () => {
    const { engine } = memoryEngine(stateOf([red], [web]));
    expect(web.endpoints[0].ip).toBe('10.1.0.2');
    expect(engine.ipam.requestAddress(red.id)).toBe('10.1.0.3');
  });

  it('the firewall model holds bridge networks and the endpoints of running containers', () => {
    const { engine } = memoryEngine(stateOf([red, blue], [web, container('stopped', [blue])]));
    const m = engine.firewallModel(engine.state);
    expect(m.networks.map((n) => n.bridge)).toEqual([red.bridge, blue.bridge]);
    expect(m.endpoints).toEqual([{ id: web.endpoints[0].id, bridge: red.bridge, ip: '10.1.0.2', ip6: '', internal: false }]);
  });

  it('finds networks and containers by name, id or unique id prefix, as Docker does', () => {
    const s = stateOf([red, blue], [web]);
    expect(findNetwork(s, 'red').id).toBe(red.id);
    expect(findNetwork(s, red.id).name).toBe('red');
    expect(findNetwork(s, red.id.slice(0, 5)).name).toBe('red');
    expect(findContainer(s, '/web').id).toBe(web.id);
    expect(() => findNetwork(s, 'green')).toThrow('network green not found');
    expect(() => findContainer(s, 'db')).toThrow('No such container: db');
  });

  it('an id prefix that matches two objects is refused, not guessed', () => {
    const one = bridgeNetwork('one', '10.3.0.0/24', { id: 'ab'.repeat(32) });
    const two = bridgeNetwork('two', '10.4.0.0/24', { id: 'ac'.repeat(32) });
    const s = stateOf([one, two]);
    expect(() => findNetwork(s, 'a')).toThrow('a matches more than one object; give more of the id');
    expect(findNetwork(s, 'ab').name).toBe('one');
    expect(findNetwork(s, 'ac').name).toBe('two');
  });
});
