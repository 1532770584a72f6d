import { z } from 'zod';
import { DnsName, IPv4, Name } from './validators';

export const PortBindingView = z.object({ HostIp: z.string(), HostPort: z.string() });
export type PortBindingView = z.infer<typeof PortBindingView>;

export const ContainerNetworkView = z.object({
  NetworkID: z.string(),
  EndpointID: z.string(),
  Gateway: z.string(),
  IPAddress: z.string(),
  IPPrefixLen: z.number(),
  // optional: the GUI's fixtures and older helpers have no IPv6
  GlobalIPv6Address: z.string().optional(),
  GlobalIPv6PrefixLen: z.number().optional(),
  IPv6Gateway: z.string().optional(),
  MacAddress: z.string(),
  InterfaceName: z.string(),
  Aliases: z.array(z.string()).nullable().optional(),
  IPAMConfig: z.object({ IPv4Address: z.string().optional(), IPv6Address: z.string().optional() }).nullable(),
});

export const ContainerStatus = z.enum(['created', 'running', 'exited', 'degraded', 'removing']);

// A Berth container as `docker inspect` shows one, plus Berth's `Berth` block.
export const Container = z.object({
  Id: z.string(),
  Name: z.string(), // with Docker's leading slash
  Created: z.string(),
  Path: z.string(),
  Args: z.array(z.string()),
  State: z.object({
    Status: ContainerStatus,
    Running: z.boolean(),
    Pid: z.number(),
    ExitCode: z.number(),
    StartedAt: z.string(),
    FinishedAt: z.string(),
    Error: z.string(),
  }),
  Config: z.object({
    Hostname: z.string(),
    Cmd: z.array(z.string()),
    Env: z.array(z.string()),
    User: z.string(),
    WorkingDir: z.string(),
    ExposedPorts: z.record(z.string(), z.object({})),
    Labels: z.record(z.string(), z.string()).optional(),
    // run -t / -i, as Docker's (berth attach reads them)
    Tty: z.boolean().optional(),
    OpenStdin: z.boolean().optional(),
  }),
  HostConfig: z.object({
    NetworkMode: z.string(),
    PortBindings: z.record(z.string(), z.array(PortBindingView)),
    PublishAllPorts: z.boolean(),
    AutoRemove: z.boolean(),
    Dns: z.array(z.string()).optional(),
    DnsSearch: z.array(z.string()).optional(),
    ExtraHosts: z.array(z.string()).optional(),
    // Docker's json-file driver and its options, as strings ("10m", "3")
    LogConfig: z.object({ Type: z.literal('json-file'), Config: z.record(z.string(), z.string()) }).optional(),
  }),
  NetworkSettings: z.object({
    SandboxKey: z.string(),
    Ports: z.record(z.string(), z.array(PortBindingView).nullable()),
    Networks: z.record(z.string(), ContainerNetworkView),
  }),
  LogPath: z.string(),
  ResolvConfPath: z.string().optional(),
  HostsPath: z.string().optional(),
});
export type Container = z.infer<typeof Container>;

// A program's arguments, its environment and its directory are C strings to
// the kernel: a NUL byte in one made the shim fail ("the shim ended (exit
// 125) before starting the command"); said here instead.
const NUL_MESSAGE = 'contains a NUL byte, which a program cannot be given';
const CString = (max: number) => z.string().max(max).refine((v) => !v.includes('\0'), NUL_MESSAGE);
const Argv = z.array(CString(65536)).max(4096);
// Docker's: a relative working directory is refused, with Docker's words
const Workdir = CString(4096).refine((v) => v.startsWith('/'), { error: (iss) => `the working directory '${String(iss.input)}' is invalid, it needs to be an absolute path` });

export const RunParams = z.object({
  name: Name.optional(),
  cmd: Argv.min(1, 'no command given'),
  network: z.string().max(200).default('bridge'),
  ip: IPv4.optional(),
  ip6: z.string().max(64).optional(), // --ip6
  hostname: z
    .string()
    .max(63)
    .regex(/^[a-zA-Z0-9][a-zA-Z0-9.-]*$/, 'invalid hostname')
    .optional(),
  env: z.array(CString(65536).regex(/^[^=]+=/, 'env must be KEY=VALUE')).max(1024).default([]),
  workdir: Workdir.optional(),
  autoRemove: z.boolean().default(false),
  ports: z.array(z.string().max(128)).max(1024).default([]), // -p specs, Docker syntax
  publishAll: z.boolean().default(false),
  expose: z.array(z.string().max(64)).max(1024).default([]),
  labels: z.record(z.string().min(1).max(1024), z.string().max(65536)).default({}),
  // name resolution (docs/dns.md)
  networkAliases: z.array(DnsName).max(64).default([]),
  dns: z.array(IPv4).max(8).default([]),
  dnsSearch: z.array(DnsName).max(6).default([]),
  // -i / -t (docs/exec.md): stdin kept open for container.attach; a pseudo-terminal of cols x rows
  interactive: z.boolean().default(false),
  tty: z.boolean().default(false),
  cols: z.number().int().min(1).max(2000).default(80),
  rows: z.number().int().min(1).max(2000).default(24),
  // --log-opt max-size / max-file (docs/logs.md)
  logLimits: z.object({ maxSize: z.number().int().min(4096).max(2 ** 40), maxFile: z.number().int().min(1).max(100) }).optional(),
  extraHosts: z.array(z.string().max(300).regex(/^[a-zA-Z0-9_][a-zA-Z0-9_.-]{0,252}[:=]((\d{1,3}\.){3}\d{1,3}|host-gateway)$/, 'invalid --add-host: want NAME:IP')).max(256).default([]),
});
export type RunParams = z.input<typeof RunParams>;

export const NameParam = z.object({ name: z.string().min(1).max(128) });
// run -i/-t and `berth attach` (docs/exec.md): the session's input and the
// container's output from now on ("replay": since it started, for the run that started it)
export const AttachParams = NameParam.extend({ output: z.enum(['live', 'replay']).default('live') });
export const StopParams = NameParam.extend({ timeout: z.number().int().min(0).max(3600).default(10) });
// `berth exec` (docs/exec.md). The call's answer is the exit code; while it
// runs, the caller alone gets `exec.started` (the session id, before any
// output) and `exec.output` events, and sends input and window sizes with
// exec.input / exec.resize naming that session, on the same connection.
const EnvList = z.array(CString(65536).regex(/^[^=]+=/, 'env must be KEY=VALUE')).max(1024).default([]);
export const ExecParams = z.object({
  name: z.string().min(1).max(128),
  cmd: Argv.min(1, 'no command given'),
  env: EnvList, // on top of the container's own
  // USER, UID, USER:GROUP or UID:GID; the helper's owner may only be themselves (root may be anyone)
  user: z.string().max(65).regex(/^[a-zA-Z0-9_][a-zA-Z0-9_.-]*(:[a-zA-Z0-9_][a-zA-Z0-9_.-]*)?$/, 'invalid user: want USER[:GROUP] or UID[:GID]').optional(),
  workdir: Workdir.optional(), // default: the container's
  interactive: z.boolean().default(false), // -i: stdin from exec.input
  tty: z.boolean().default(false), // -t: a pseudo-terminal (stdout and stderr are one stream)
  cols: z.number().int().min(1).max(2000).default(80),
  rows: z.number().int().min(1).max(2000).default(24),
});
export type ExecParams = z.input<typeof ExecParams>;
export const ExecSession = z.string().regex(/^[0-9a-f]{32}$/, 'not an exec session id');
// data: base64 (a terminal's bytes need not be UTF-8); eof: stdin ends after it
export const ExecInputParams = z.object({ session: ExecSession, data: z.string().max(1 << 19).base64().default(''), eof: z.boolean().default(false) });
export const ExecResizeParams = z.object({ session: ExecSession, cols: z.number().int().min(1).max(2000), rows: z.number().int().min(1).max(2000) });

// Docker's forms: KILL, SIGKILL, 9 (checked against the helper's signal table)
export const KillParams = NameParam.extend({ signal: z.string().max(16).default('SIGKILL') });
export const RemoveParams = NameParam.extend({ force: z.boolean().default(false) });
export const ListParams = z.object({ all: z.boolean().default(false) });
export const LogsParams = NameParam.extend({
  follow: z.boolean().default(false),
  tail: z.number().int().min(0).optional(),
  // ms since the epoch (the CLI turns Docker's RFC 3339, Unix and relative forms into these)
  since: z.number().int().min(0).optional(),
  until: z.number().int().min(0).optional(),
  timestamps: z.boolean().default(false),
  // everything as `log` events, the answer's data left empty: memory stays bounded whatever the log's size
  stream: z.boolean().default(false),
});
// data: the container's stdout, stderr: its stderr (kept apart, as Docker does)
export const LogsResult = z.object({ data: z.string(), stderr: z.string(), exitCode: z.number().nullable() });

// Containers of other engines and plain namespaces, seen read-only.
export const ForeignSandbox = z.object({
  source: z.enum(['docker', 'podman', 'netns', 'process']),
  id: z.string(),
  name: z.string(),
  pid: z.number().nullable(),
  netnsPath: z.string().nullable(),
  status: z.string(),
  addresses: z.array(z.string()),
  attachedNetworks: z.array(z.string()), // Berth networks attached to it
});
export type ForeignSandbox = z.infer<typeof ForeignSandbox>;
