import { describe, expect, it } from 'vitest';
import { consistent } from './consistency';
import { hostPerTest, type TestHost } from './harness';
import { KillPoints } from './kill-point';

// The helper is SIGKILLed midway through one mutation's kernel work: at its
// first step, halfway and at its last (kill-point.ts counts ip lines and
// runs and the restores). After the next start the store and the kernel
// agree: doctor finds nothing (or heals, and then finds nothing), cleanup
// proposes only Berth's own dead leftovers and removes them, every veth is
// an endpoint the store knows, the same operation then succeeds, and removing
// everything leaves the host as it was (docs/decisions.md, State).
const NO_DRIFT = ['--drift-interval', '600000']; // a drift check's own steps would move the count

interface Op {
  name: string;
  setup: (h: TestHost) => Promise<void>;
  argv: string[];
  // whether the operation's effect is in place (then its repeat is not needed)
  done: (h: TestHost) => Promise<boolean>;
}

const net = (subnet: string) => ['network', 'create', '--subnet', subnet, 'cn'];
const netExists = async (h: TestHost) => (await h.berth(['network', 'inspect', 'cn'])).code === 0;
const runC1 = ['run', '-d', '--name', 'c1', '--network', 'cn', '-p', '9201:80', 'sleep', '600'];
const networksOf = async (h: TestHost, c: string) => Object.keys((await h.inspect(c)).NetworkSettings.Networks ?? {});

const OPS: Op[] = [
  { name: 'network create', setup: async () => {}, argv: net('10.91.0.0/24'), done: netExists },
  {
    name: 'run with a published port (create, connect, publish)',
    setup: async (h) => void (await h.berthOk(net('10.91.1.0/24'))),
    argv: runC1,
    // --type container: "c1" is also an id prefix, which a network's id may start with (1 in 256)
    done: async (h) => (await h.berth(['inspect', '--type', 'container', 'c1'])).code === 0 && (await h.berthOk(['port', 'c1'])).includes('9201'),
  },
  {
    name: 'port add',
    setup: async (h) => {
      await h.berthOk(net('10.91.2.0/24'));
      await h.berthOk(runC1);
    },
    argv: ['port', 'add', 'c1', '9202:81'],
    done: async (h) => (await h.berthOk(['port', 'c1'])).includes('9202'),
  },
  {
    name: 'network connect (a second network, its ports)',
    setup: async (h) => {
      await h.berthOk(net('10.91.3.0/24'));
      await h.berthOk(['network', 'create', '--subnet', '10.91.4.0/24', 'cn2']);
      await h.berthOk(runC1);
    },
    argv: ['network', 'connect', 'cn2', 'c1'],
    done: async (h) => (await networksOf(h, 'c1')).includes('cn2'),
  },
  {
    name: 'network disconnect',
    setup: async (h) => {
      await h.berthOk(net('10.91.5.0/24'));
      await h.berthOk(['network', 'create', '--subnet', '10.91.6.0/24', 'cn2']);
      await h.berthOk(runC1);
      await h.berthOk(['network', 'connect', 'cn2', 'c1']);
    },
    argv: ['network', 'disconnect', 'cn2', 'c1'],
    done: async (h) => !(await networksOf(h, 'c1')).includes('cn2'),
  },
  {
    name: 'network rm',
    setup: async (h) => void (await h.berthOk(net('10.91.7.0/24'))),
    argv: ['network', 'rm', 'cn'],
    done: async (h) => !(await netExists(h)),
  },
];

describe('SIGKILL midway through a mutation\'s kernel work', () => {
  let kp: KillPoints;
  const host = hostPerTest(async (h) => {
    kp = await KillPoints.install(h);
    await h.startHelper(NO_DRIFT);
  });

  for (const op of OPS) {
    it(`${op.name}: killed at its first, middle and last step, then consistent, and it succeeds`, async () => {
      const h = host();
      const baseline = await h.snapshot();
      // a run without a kill counts the operation's steps
      await op.setup(h);
      await kp.arm();
      await h.berthOk(op.argv);
      await h.settled();
      const steps = await kp.steps();
      expect(steps.length, steps.join('\n')).toBeGreaterThan(1);
      await h.clearBerth();
      expect(await h.snapshot()).toEqual(baseline);

      for (const at of [...new Set([1, Math.ceil(steps.length / 2), steps.length])]) {
        const where = `killed at step ${at} of ${steps.length} (${steps[at - 1]})`;
        await op.setup(h);
        await kp.crashAt(at, where, () => h.berth(op.argv), NO_DRIFT);
        const found = await consistent(h);
        if (!(await op.done(h))) await h.berthOk(op.argv);
        expect(await op.done(h), where).toBe(true);
        await consistent(h);
        await h.clearBerth();
        expect(await h.snapshot(), `${where}; found after the restart: ${found.join(' | ')}`).toEqual(baseline);
      }
    }, 900_000);
  }
});
