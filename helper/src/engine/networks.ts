import { BerthError, conflict, inUse, invalid } from '../../../src/shared/errors';
import { BRIDGE_OPTS, NetworkCreateParams } from '../../../src/shared/network';
import { cidrContains, cidrOverlaps, parseCidr, tryParseAddr } from '../../../src/shared/ip';
import { IfName } from '../../../src/shared/validators';
import type { z } from 'zod';
import type { NetworkRecord, State } from '../store/state';
import { findNetwork, type Engine } from './engine';
import { hostRoutes } from './host-routes';
import { bridgeName, DEFAULT_BRIDGE, newId } from './naming';
import type { Undo } from './undo-steps';
import { networkProblems } from './validate';

type CreateParams = z.output<typeof NetworkCreateParams>;

const PREDEFINED = ['bridge', 'host', 'none'];

function boolOpt(opts: Record<string, string>, key: string, dflt: boolean): boolean {
  const v = opts[key];
  if (v === undefined) return dflt;
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw invalid(`invalid value for ${key}: ${JSON.stringify(v)} (want true or false)`);
}

export async function createNetwork(eng: Engine, p: CreateParams): Promise<NetworkRecord> {
  return eng.tx(async (s, undo) => {
    // the dry run's checks first (engine/validate.ts): what the dialogs flag is what the create refuses
    // (a dual-stack create with several subnets is checked by IPAM as it takes them; the dry run knows one)
    const one = (v: string | string[] | undefined) => (Array.isArray(v) ? (v.length <= 1 ? v[0] : null) : v);
    const [sub, gw, range] = [one(p.subnet), one(p.gateway), one(p.ipRange)];
    const single = sub !== null && gw !== null && range !== null;
    const problem = networkProblems(eng, s, single ? { name: p.name, subnet: sub, gateway: gw, ipRange: range } : { name: p.name })[0];
    if (problem) throw /already exists|pre-defined|overlaps/.test(problem.message) ? conflict(problem.message) : invalid(problem.message);
    if (Object.values(s.networks).some((n) => n.name === p.name))
      throw conflict(`network with name ${p.name} already exists`);
    if (PREDEFINED.includes(p.name)) throw conflict(`${p.name} is a pre-defined network and cannot be recreated`);
    const id = newId();
    const br = p.options[BRIDGE_OPTS.name] ?? bridgeName(id);
    const brOk = IfName.safeParse(br);
    if (!brOk.success) throw invalid(`invalid bridge name ${JSON.stringify(br)}: ${brOk.error.issues[0].message}`);
    if (Object.values(s.networks).some((n) => n.bridge === br)) throw conflict(`bridge name ${br} is used by another network`);
    // a name the user chose is checked before anything changes; a generated
    // one is refused by the driver's create if it ever collides
    if (p.options[BRIDGE_OPTS.name] !== undefined && (await eng.kernel.linkExists(br))) throw conflict(`a link named ${br} already exists on the host`);
    const mtuText = p.options[BRIDGE_OPTS.mtu];
    const mtu = mtuText === undefined ? 0 : Number(mtuText);
    if (!Number.isInteger(mtu) || (mtuText !== undefined && (mtu < 68 || mtu > 65535)))
      throw invalid(`invalid MTU ${JSON.stringify(mtuText)}: must be a number from 68 to 65535`);
    const configs = ipamConfigs(p);
    const net: NetworkRecord = {
      id,
      name: p.name,
      driver: 'bridge',
      created: new Date().toISOString(),
      predefined: false,
      bridge: br,
      subnet: '',
      gateway: '',
      ipRange: undefined,
      auxAddresses: {},
      userSubnet: configs.some((c) => !c.v6),
      userGateway: configs.some((c) => !c.v6 && !!c.gateway),
      enableIPv4: p.ipv4,
      enableIPv6: p.ipv6,
      extraPools: [],
      internal: p.internal,
      icc: boolOpt(p.options, BRIDGE_OPTS.icc, true),
      masquerade: boolOpt(p.options, BRIDGE_OPTS.masquerade, true),
      mtu,
      options: p.options,
      labels: p.labels,
    };
    await addBridgeNetwork(eng, s, net, configs, undo, true);
    eng.emit({ type: 'network.created', id, name: net.name });
    return net;
  });
}

// Allocates the pool, creates the bridge and rewrites the firewall; shared by
// `network create` and the default bridge network.
async function addBridgeNetwork(
  eng: Engine,
  s: State,
  net: NetworkRecord,
  configs: IpamConfig[],
  undo: Undo,
  fresh: boolean,
): Promise<void> {
  // an enabled family without a --subnet of its own gets an automatic one;
  // host routes only matter to those (Docker never checks a user's subnet)
  const wanted = [...configs];
  for (const v6 of [false, true]) if ((v6 ? net.enableIPv6 : net.enableIPv4) && !configs.some((c) => c.v6 === v6)) wanted.push({ v6 });
  const routes = wanted.some((c) => !c.subnet) ? await foreignRoutes(eng, s) : [];
  try {
    const pools = wanted.map((c) => eng.ipam.requestPool(net.id, c, c.subnet ? [] : routes, c.v6));
    const first4 = pools.findIndex((_, i) => !wanted[i].v6);
    if (first4 >= 0) {
      const pool = pools[first4];
      Object.assign(net, { subnet: pool.subnet, gateway: pool.gateway, ipRange: pool.ipRange, auxAddresses: pool.auxAddresses });
    }
    net.extraPools = pools.filter((_, i) => i !== first4);
  } catch (e) {
    if (eng.ipam.has(net.id)) eng.ipam.releasePool(net.id);
    throw e;
  }
  s.networks[net.id] = net;
  if (net.enableIPv6) await ensureV6Forwarding(eng);
  // icc=false drops bridged traffic in FORWARD, which bridged packets reach
  // only through br_netfilter, per family (Docker's setupBridgeNetFiltering)
  const nfKeys = net.icc ? [] : [...(net.subnet ? ['iptables'] : []), ...(net.enableIPv6 ? ['ip6tables'] : [])];
  for (const key of nfKeys.map((k) => `net.bridge.bridge-nf-call-${k}`)) {
    const nfBefore = await eng.kernel.readSysctl(key);
    if (!(await eng.kernel.ensureSysctl(key, '1'))) continue;
    if (nfBefore !== null) eng.originals?.recordSysctl(key, nfBefore);
    eng.hostChanges.push(`${key} set to 1 (needed for enable_icc=false)`);
  }
  await eng.alongFirewall(s, undo, async () => {
    // a new network's bridge must not exist yet; the default one may (restart)
    await (fresh ? eng.driver(net).createNetwork(net) : eng.driver(net).ensureNetwork(net));
    undo.push(() => eng.driver(net).deleteNetwork(net));
  });
}

// One IPAM config per --subnet, with the --gateway, --ip-range and
// --aux-address that fall inside it (Docker pairs them the same way).
interface IpamConfig {
  v6: boolean;
  subnet?: string;
  gateway?: string;
  ipRange?: string;
  auxAddresses?: Record<string, string>;
}
const listOf = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]).map((x) => x.trim()).filter(Boolean);

export function ipamConfigs(p: CreateParams): IpamConfig[] {
  if (!p.ipv4 && !p.ipv6) throw invalid('a network needs IPv4 or IPv6: --ipv4=false needs --ipv6');
  const subnets = listOf(p.subnet).map((text) => ({ text, c: parseCidr(text) }));
  const configs: IpamConfig[] = subnets.map(({ text, c }) => ({ v6: c.v6, subnet: text }));
  for (let i = 0; i < subnets.length; i++)
    for (let j = i + 1; j < subnets.length; j++)
      if (cidrOverlaps(subnets[i].c, subnets[j].c)) throw conflict(`subnets ${subnets[i].text} and ${subnets[j].text} overlap`);
  const home = (what: string, text: string) => {
    const a = parseAddrOr(text, what);
    let i = subnets.findIndex((s) => cidrContains(s.c, a));
    // the only subnet of its family: IPAM says what is wrong with it ("outside subnet …")
    const same = subnets.flatMap((s, j) => (s.c.v6 === a.v6 ? [j] : []));
    if (i < 0 && same.length === 1) i = same[0];
    if (i < 0) throw invalid(`no matching subnet for ${what} ${text}`);
    return configs[i];
  };
  for (const g of listOf(p.gateway)) {
    const c = home('gateway', g);
    if (c.gateway) throw invalid(`cannot have multiple gateways for subnet ${c.subnet}`);
    c.gateway = g;
  }
  for (const r of listOf(p.ipRange)) {
    const c = home('range', r.split('/')[0]);
    if (c.ipRange) throw invalid(`cannot have multiple ranges for subnet ${c.subnet}`);
    c.ipRange = r;
  }
  for (const [k, v] of Object.entries(p.auxAddresses ?? {})) {
    const c = home('aux-address', v);
    c.auxAddresses = { ...c.auxAddresses, [k]: v };
  }
  for (const c of configs) {
    if (c.v6 && !p.ipv6) throw invalid(`IPv6 subnet ${c.subnet} given without --ipv6`);
    if (!c.v6 && !p.ipv4) throw invalid(`IPv4 subnet ${c.subnet} given with --ipv4=false`);
  }
  return configs;
}

function parseAddrOr(text: string, what: string) {
  const a = tryParseAddr(text.trim());
  if (!a) throw invalid(`invalid ${what} address: ${text}`);
  return a;
}

// IPv6 needs forwarding on to route containers' traffic, as Docker's
// --ip-forward sets it; turned on here, the IPv6 forward policy becomes
// drop, as for IPv4 (docs/ipv6.md).
export async function ensureV6Forwarding(eng: Engine): Promise<void> {
  const key = 'net.ipv6.conf.all.forwarding';
  const before = await eng.kernel.readSysctl(key);
  if (before === null) throw invalid('IPv6 is disabled on this host (no /proc/sys/net/ipv6): no IPv6 networks');
  if (!(await eng.kernel.ensureSysctl(key, '1'))) return;
  eng.originals?.recordSysctl(key, before);
  eng.forwardPolicyDrop6 = true;
  eng.hostChanges.push(`${key} set to 1; the IPv6 forward policy set to drop`);
}

export async function removeNetwork(eng: Engine, ref: string): Promise<string> {
  return eng.tx(async (s, undo) => {
    const net = findNetwork(s, ref);
    if (net.predefined) throw new BerthError('in_use', `${net.name} is a pre-defined network and cannot be removed`);
    const users = endpointUsers(s, net.id);
    if (users.length)
      throw inUse(`error while removing network: network ${net.name} has active endpoints (${users.join(', ')})`);
    delete s.networks[net.id];
    await eng.alongFirewall(s, undo, async () => {
      await eng.driver(net).deleteNetwork(net);
      undo.push(() => eng.driver(net).ensureNetwork(net));
    });
    eng.ipam.releasePool(net.id);
    eng.emit({ type: 'network.removed', id: net.id, name: net.name });
    return net.name;
  });
}

export async function pruneNetworks(eng: Engine): Promise<string[]> {
  const removed: string[] = [];
  const unused = Object.values(eng.state.networks).filter((n) => !n.predefined && !endpointUsers(eng.state, n.id).length);
  for (const [i, n] of unused.entries()) {
    eng.emit({ type: 'progress', op: 'network.prune', done: i, total: unused.length, message: `removing ${n.name}` });
    try {
      removed.push(await removeNetwork(eng, n.id));
    } catch (e) {
      if (!(e instanceof BerthError && (e.kind === 'in_use' || e.kind === 'not_found'))) throw e;
    }
  }
  if (unused.length) eng.emit({ type: 'progress', op: 'network.prune', done: unused.length, total: unused.length, message: `removed ${removed.length}` });
  return removed;
}

// Host routes, less those of Berth's own bridges (a freed subnet whose
// route lingers is still Berth's to reuse).
export async function foreignRoutes(eng: Engine, s: State): Promise<string[]> {
  const ours = new Set(Object.values(s.networks).map((n) => n.bridge));
  return (await hostRoutes(eng.kernel)).filter((r) => !r.dev || !ours.has(r.dev)).map((r) => r.cidr);
}

export function endpointUsers(s: State, netId: string): string[] {
  const names: string[] = [];
  for (const c of Object.values(s.containers)) if (c.endpoints.some((e) => e.networkId === netId)) names.push(c.name);
  for (const f of Object.values(s.foreign)) if (f.endpoints.some((e) => e.networkId === netId)) names.push(f.id);
  return names;
}

// bridge (berth0), host and none exist from the first start on, like Docker's.
export async function ensurePredefined(eng: Engine): Promise<void> {
  const have = new Set(Object.values(eng.state.networks).filter((n) => n.predefined).map((n) => n.name));
  if (have.size === 3) return;
  await eng.tx(async (s, undo) => {
    const base = { created: new Date().toISOString(), predefined: true, subnet: '', gateway: '', auxAddresses: {}, userSubnet: false, userGateway: false, enableIPv4: true, enableIPv6: false, extraPools: [], internal: false, icc: true, masquerade: true, mtu: 0, labels: {} };
    for (const [name, driver] of [['host', 'host'], ['none', 'null']] as const)
      if (!have.has(name)) {
        const id = newId();
        s.networks[id] = { ...base, id, name, driver, bridge: '', options: {} };
      }
    if (!have.has('bridge')) {
      const options = {
        [BRIDGE_OPTS.defaultBridge]: 'true',
        [BRIDGE_OPTS.icc]: 'true',
        [BRIDGE_OPTS.masquerade]: 'true',
        [BRIDGE_OPTS.hostBinding]: '0.0.0.0',
        [BRIDGE_OPTS.name]: DEFAULT_BRIDGE,
        [BRIDGE_OPTS.mtu]: '1500',
      };
      const net: NetworkRecord = { ...base, id: newId(), name: 'bridge', driver: 'bridge', bridge: DEFAULT_BRIDGE, options };
      await addBridgeNetwork(eng, s, net, [], undo, false);
    }
  });
}
