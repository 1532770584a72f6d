import { z } from 'zod';

export const SystemInfo = z.object({
  version: z.string(),
  pid: z.number(),
  kernel: z.string(),
  firewallBackend: z.enum(['iptables', 'nftables', 'none']),
  ipForward: z.boolean(),
  // sysctls and policies Berth changed on this host, reported, never silent
  hostChanges: z.array(z.string()),
  dataRoot: z.string(),
  // the one user (besides root) the helper trusts: socket and token are theirs, containers run as them
  ownerUid: z.number().int(),
  socket: z.string(),
  startedAt: z.string(),
  warnings: z.array(z.string()),
});
export type SystemInfo = z.infer<typeof SystemInfo>;

// `berth system reset`: what went, what was put back, what Berth left and why
export const SystemResetResult = z.object({
  removed: z.array(z.string()),
  restored: z.array(z.string()),
  kept: z.array(z.string()),
  userRules: z.array(z.string()), // the user's own rules that went with BERTH-USER / berth-user
});
