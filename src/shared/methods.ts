import { z } from 'zod';
import {
  ConnectParams, DisconnectParams, EndpointInfo, Network, NetworkCreateParams, SubnetCheck, SubnetCheckParams,
} from './network';
import {
  AttachParams, Container, ExecInputParams, ExecParams, ExecResizeParams, ForeignSandbox, KillParams, ListParams, LogsParams, LogsResult, NameParam, RemoveParams, RunParams, StopParams,
} from './container';
import { PortEditParams, PortListParams, PortMapping } from './ports';
import {
  CleanupApplyParams, CleanupApplyResult, CleanupPlan, CleanupPlanParams, CleanupUndoResult, DoctorReport, HostInspectAnswer,
  NatConntrackParams, NatConntrackResult, NatCountersParams, NatCountersResult, NatQueryParams, NatQueryResult, NatTextParams, NatTextResult,
} from './inspect';
import { SystemInfo, SystemResetResult } from './system';
import { ActivityEntry, ActivityListParams } from './activity';
import { NetworkValidateParams, RunValidateParams, Validation } from './validate';
import type { MethodName } from './method-names';

const None = z.object({}).strict().default({});
const Removed = z.object({ removed: z.array(z.string()) });

// The one list of what crosses a process boundary. Helper, main, preload,
// renderer, CLI and web mode are all derived from it.
export const methods = {
  'system.info': { params: None, result: SystemInfo },
  // `berth helper stop`: the helper ends as on SIGTERM (containers keep running); the owner cannot signal a root process
  'system.shutdown': { params: None, result: z.object({ stopping: z.literal(true) }) },
  'system.reset': { params: None, result: SystemResetResult },
  'events.subscribe': { params: None, result: z.object({ subscribed: z.literal(true) }) },

  'network.list': { params: None, result: z.array(Network) },
  'network.inspect': { params: NameParam, result: Network },
  'network.create': { params: NetworkCreateParams, result: Network },
  'network.remove': { params: NameParam, result: Removed },
  'network.prune': { params: None, result: Removed },
  'network.checkSubnet': { params: SubnetCheckParams, result: SubnetCheck },
  'network.connect': { params: ConnectParams, result: EndpointInfo },
  'network.disconnect': { params: DisconnectParams, result: z.object({ disconnected: z.literal(true) }) },

  'container.list': { params: ListParams, result: z.array(Container) },
  'container.inspect': { params: NameParam, result: Container },
  'container.run': { params: RunParams, result: Container },
  'container.start': { params: NameParam, result: Container },
  'container.stop': { params: StopParams, result: Container },
  'container.remove': { params: RemoveParams, result: Removed },
  'container.logs': { params: LogsParams, result: LogsResult },
  'container.wait': { params: NameParam, result: z.object({ exitCode: z.number() }) },
  // `kill -s SIG` to the container's main process (SIGKILL: its whole process group)
  'container.kill': { params: KillParams, result: Container },
  // stop (SIGTERM, SIGKILL after timeout seconds), then start
  'container.restart': { params: StopParams, result: Container },
  // a command in a running container, its stdio streamed on this connection (docs/exec.md)
  'container.exec': { params: ExecParams, result: z.object({ exitCode: z.number() }) },
  // run -i/-t: the container's stdin (and terminal size) from this connection, by the same
  // exec.started / exec.input / exec.resize as exec; its output is the log (container.logs follow)
  'container.attach': { params: AttachParams, result: z.object({ exitCode: z.number() }) },
  'exec.input': { params: ExecInputParams, result: z.object({ ok: z.literal(true) }) },
  'exec.resize': { params: ExecResizeParams, result: z.object({ ok: z.literal(true) }) },
  'sandbox.listForeign': { params: None, result: z.array(ForeignSandbox) },

  'port.list': { params: PortListParams, result: z.array(PortMapping) },
  'port.add': { params: PortEditParams, result: z.array(PortMapping) },
  'port.remove': { params: PortEditParams, result: z.array(PortMapping) },

  'host.inspect': { params: None, result: HostInspectAnswer },
  'nat.query': { params: NatQueryParams, result: NatQueryResult },
  'nat.text': { params: NatTextParams, result: NatTextResult },
  'nat.counters': { params: NatCountersParams, result: NatCountersResult },
  'nat.conntrack': { params: NatConntrackParams, result: NatConntrackResult },
  'cleanup.plan': { params: CleanupPlanParams, result: CleanupPlan },
  'cleanup.apply': { params: CleanupApplyParams, result: CleanupApplyResult },
  'cleanup.undo': { params: None, result: CleanupUndoResult },
  'doctor': { params: None, result: DoctorReport },
  // what the helper did, newest last, kept across restarts (the Activity view replays it on connect)
  'activity.list': { params: ActivityListParams, result: z.array(ActivityEntry) },
  // dry runs of network.create and container.run: every problem per field, nothing changed
  'network.validate': { params: NetworkValidateParams, result: Validation },
  'container.validate': { params: RunValidateParams, result: Validation },
} as const;

export type Methods = typeof methods;
export { METHOD_NAMES, isMethodName, type MethodName } from './method-names';
// Both ways: every schema is named in METHOD_NAMES and every name has a schema.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
export const namesMatchSchemas: Same<keyof Methods, import('./method-names').MethodName> = true;

export type ParamsOf<M extends MethodName> = z.input<Methods[M]['params']>;
export type ResultOf<M extends MethodName> = z.infer<Methods[M]['result']>;

// What the helper implements: one function per method, taking the params as
// the schema parsed them and answering with something the result schema
// accepts. The server's handler object `satisfies` this, so a missing, extra
// or mistyped handler does not compile.
export type MethodHandlers<Ctx> = {
  [M in MethodName]: (params: z.output<Methods[M]['params']>, ctx: Ctx) => Promise<z.input<Methods[M]['result']>>;
};

// The typed API every client exposes: one function per method.
export type BerthApi = { [M in MethodName]: (params: ParamsOf<M>) => Promise<ResultOf<M>> };

// Requests larger than this are refused before parsing.
export const MAX_REQUEST_BYTES = 1 << 20;
