import { z } from 'zod';
import {
  ConnectParams, DisconnectParams, EndpointInfo, Network, NetworkCreateParams, SubnetCheck, SubnetCheckParams,
} from './network';
import {
  Container, ForeignSandbox, ListParams, LogsParams, LogsResult, NameParam, RemoveParams, RunParams, StopParams,
} from './container';
import { PortEditParams, PortListParams, PortMapping } from './ports';
import {
  CleanupApplyParams, CleanupApplyResult, CleanupPlan, CleanupUndoResult, DoctorReport, FirewallRule, HostInspect,
  NatCountersParams, NatCountersResult, NatListParams, NatQueryParams, NatQueryResult,
} from './inspect';
import { SystemInfo } from './system';
import type { MethodName } from './method-names';

const None = z.object({}).strict().default({});
const Removed = z.object({ removed: z.array(z.string()) });

// The one list of what crosses a process boundary. Helper, main, preload,
// renderer, CLI and web mode are all derived from it.
export const methods = {
  'system.info': { params: None, result: SystemInfo, mutates: false },
  'events.subscribe': { params: None, result: z.object({ subscribed: z.literal(true) }), mutates: false },

  'network.list': { params: None, result: z.array(Network), mutates: false },
  'network.inspect': { params: NameParam, result: Network, mutates: false },
  'network.create': { params: NetworkCreateParams, result: Network, mutates: true },
  'network.remove': { params: NameParam, result: Removed, mutates: true },
  'network.prune': { params: None, result: Removed, mutates: true },
  'network.checkSubnet': { params: SubnetCheckParams, result: SubnetCheck, mutates: false },
  'network.connect': { params: ConnectParams, result: EndpointInfo, mutates: true },
  'network.disconnect': { params: DisconnectParams, result: z.object({ disconnected: z.literal(true) }), mutates: true },

  'container.list': { params: ListParams, result: z.array(Container), mutates: false },
  'container.inspect': { params: NameParam, result: Container, mutates: false },
  'container.run': { params: RunParams, result: Container, mutates: true },
  'container.start': { params: NameParam, result: Container, mutates: true },
  'container.stop': { params: StopParams, result: Container, mutates: true },
  'container.remove': { params: RemoveParams, result: Removed, mutates: true },
  'container.logs': { params: LogsParams, result: LogsResult, mutates: false },
  'container.wait': { params: NameParam, result: z.object({ exitCode: z.number() }), mutates: false },
  'sandbox.listForeign': { params: None, result: z.array(ForeignSandbox), mutates: false },

  'port.list': { params: PortListParams, result: z.array(PortMapping), mutates: false },
  'port.add': { params: PortEditParams, result: z.array(PortMapping), mutates: true },
  'port.remove': { params: PortEditParams, result: z.array(PortMapping), mutates: true },

  'host.inspect': { params: None, result: HostInspect, mutates: false },
  'nat.list': { params: NatListParams, result: z.array(FirewallRule), mutates: false },
  'nat.query': { params: NatQueryParams, result: NatQueryResult, mutates: false },
  'nat.counters': { params: NatCountersParams, result: NatCountersResult, mutates: false },
  'cleanup.plan': { params: None, result: CleanupPlan, mutates: false },
  'cleanup.apply': { params: CleanupApplyParams, result: CleanupApplyResult, mutates: true },
  'cleanup.undo': { params: None, result: CleanupUndoResult, mutates: true },
  'doctor': { params: None, result: DoctorReport, mutates: true },
} as const;

export type Methods = typeof methods;
export { METHOD_NAMES, isMethodName, type MethodName } from './method-names';
// Both ways: every schema is named in METHOD_NAMES and every name has a schema.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
export const namesMatchSchemas: Same<keyof Methods, import('./method-names').MethodName> = true;

export type ParamsOf<M extends MethodName> = z.input<Methods[M]['params']>;
export type ResultOf<M extends MethodName> = z.infer<Methods[M]['result']>;

// The typed API every client exposes: one function per method.
export type BerthApi = { [M in MethodName]: (params: ParamsOf<M>) => Promise<ResultOf<M>> };

// Requests larger than this are refused before parsing.
export const MAX_REQUEST_BYTES = 1 << 20;
