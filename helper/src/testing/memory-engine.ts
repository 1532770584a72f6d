import { createHash } from 'node:crypto';
import { finalizeExit } from '../engine/containers';
import { Engine } from '../engine/engine';
import { PortService } from '../engine/ports';
import { noneBackend, type FirewallBackend } from '../firewall/backend';
import { MemoryStore } from '../store/memory-store';
import { recordingKernel, type RecordingKernel } from './recording-kernel';
import { emptyState, type ContainerRecord, type NetworkRecord, type State } from '../store/state';

// The engine without root, disk or kernel: its state in a MemoryStore, a
// recording kernel (testing/recording-kernel.ts), no firewall (or a
// recording one), host ports never bound. For unit tests of the engine's
// decisions (networks, connect, a container's run, start, stop, kill and
// removal, restore, reset), the handlers behind the RPC server and the CLI
// that talks to them. A test that runs containers gives `dataRoot`, a temp
// dir of its own: their /etc files and logs are written there (plain files,
// no privilege); without it the paths are under /dev/null, where even root's
// mkdir -p fails (ENOTDIR) instead of making a directory on the machine.
// `settled()` waits until the exits of ended processes are recorded.
export function memoryEngine(state: State = emptyState(), o: { firewall?: FirewallBackend; kernel?: RecordingKernel; dataRoot?: string } = {}) {
  const store = new MemoryStore(state);
  const kernel = o.kernel ?? recordingKernel();
  const root = o.dataRoot ?? '/dev/null/berth';
  const finishing = new Set<Promise<void>>();
  const engine = new Engine({
    store,
    kernel,
    firewall: o.firewall ?? noneBackend,
    ownerUid: 1000,
    logDir: `${root}/containers`,
    utsDir: `${root}/uts`,
    etcDir: `${root}/etc`,
    shim: { node: '/nonexistent/node', script: '/nonexistent/berth.mjs' }, // the recording kernel starts no process
    ports: (eng) => new PortService(eng, async () => { throw new Error('a root-free test binds no host port'); }),
    // as the helper does: an ended process's container exits (finalizeExit)
    onExit: (eng, id, pid, code, error, finishedAt) => {
      const p = finalizeExit(eng, id, pid, code, error, finishedAt).finally(() => finishing.delete(p));
      finishing.add(p);
    },
  });
  engine.rebuildIpam(engine.state);
  async function settled(): Promise<void> {
    // an exit reaches onExit after the engine read the shim's record: a few turns of the event loop
    for (let i = 0; i < 5 || finishing.size; i++) {
      await new Promise((r) => setImmediate(r));
      await Promise.all(finishing);
    }
  }
  return { engine, store, kernel, settled };
}

// Deterministic 64-hex ids, so a failing test prints the same ids each run.
export const testId = (seed: string) => createHash('sha256').update(seed).digest('hex');

export function bridgeNetwork(name: string, subnet: string, more: Partial<NetworkRecord> = {}): NetworkRecord {
  const id = testId(`network ${name}`);
  const [addr] = subnet.split('/');
  return {
    id,
    name,
    driver: 'bridge',
    created: '2026-01-01T00:00:00.000000000Z',
    predefined: false,
    bridge: `br-${id.slice(0, 12)}`,
    subnet,
    gateway: addr.replace(/\.0$/, '.1'),
    auxAddresses: {},
    userSubnet: true,
    userGateway: false,
    enableIPv4: true,
    enableIPv6: false,
    extraPools: [],
    internal: false,
    icc: true,
    masquerade: true,
    mtu: 0,
    options: {},
    labels: {},
    ...more,
  };
}

// A container as the store keeps it; `running` gives it a namespace and one
// endpoint per network (the first host address after the gateway, in order).
export function container(name: string, nets: NetworkRecord[], more: Partial<ContainerRecord> & { running?: boolean } = {}): ContainerRecord {
  const { running = false, ...rest } = more;
  const id = testId(`container ${name}`);
  return {
    id,
    name,
    created: '2026-01-01T00:00:00.000000000Z',
    cmd: ['sleep', 'infinity'],
    env: [],
    workdir: '/',
    hostname: id.slice(0, 12),
    uid: 1000,
    gid: 1000,
    autoRemove: false,
    networkMode: nets[0]?.name ?? 'none',
    networks: nets.map((n) => ({ networkId: n.id })),
    ports: [],
    portSpecs: [],
    publishAll: false,
    expose: [],
    state: {
      status: running ? 'running' : 'exited',
      pid: running ? 4242 : 0,
      startTime: running ? '1' : '',
      exitCode: 0,
      startedAt: '2026-01-01T00:00:01Z',
      finishedAt: running ? '' : '2026-01-01T00:00:02Z',
      error: '',
    },
    netns: running ? `berth-${id.slice(0, 12)}` : null,
    endpoints: running
      ? nets.map((n, i) => ({
          id: testId(`endpoint ${name} ${n.name}`),
          networkId: n.id,
          ip: n.gateway.replace(/\.1$/, '.2'),
          prefixLen: Number(n.subnet.split('/')[1]),
          ip6: '',
          prefixLen6: 0,
          mac: '02:42:ac:11:00:02',
          ifname: `eth${i}`,
          hostVeth: `veth${testId(`${name}${n.name}`).slice(0, 7)}`,
          staticIp: false,
        }))
      : [],
    ...rest,
  };
}

export function stateOf(networks: NetworkRecord[], containers: ContainerRecord[] = []): State {
  return {
    ...emptyState(),
    networks: Object.fromEntries(networks.map((n) => [n.id, n])),
    containers: Object.fromEntries(containers.map((c) => [c.id, c])),
  };
}
