import { z } from 'zod';

// Everything the helper pushes to subscribers, one union keyed by `type`.
export const BerthEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('network.created'), id: z.string(), name: z.string() }),
  z.object({ type: z.literal('network.removed'), id: z.string(), name: z.string() }),
  z.object({ type: z.literal('container.changed'), id: z.string(), name: z.string(), status: z.string() }),
  z.object({ type: z.literal('container.removed'), id: z.string(), name: z.string() }),
  z.object({ type: z.literal('endpoint.joined'), network: z.string(), sandbox: z.string(), ip: z.string() }),
  z.object({ type: z.literal('endpoint.left'), network: z.string(), sandbox: z.string() }),
  z.object({ type: z.literal('ports.changed'), container: z.string() }),
  z.object({ type: z.literal('drift.found'), missing: z.number(), extra: z.number(), healed: z.boolean() }),
  z.object({ type: z.literal('cleanup.applied'), snapshotId: z.string(), count: z.number() }),
  z.object({ type: z.literal('cleanup.undone'), snapshotId: z.string() }),
  z.object({ type: z.literal('log'), container: z.string(), stream: z.enum(['stdout', 'stderr']), data: z.string() }),
  // to the caller of container.exec only (docs/exec.md); data is base64
  z.object({ type: z.literal('exec.started'), session: z.string(), container: z.string() }),
  z.object({ type: z.literal('exec.output'), session: z.string(), stream: z.enum(['stdout', 'stderr']), data: z.string() }),
  z.object({ type: z.literal('progress'), op: z.string(), done: z.number(), total: z.number(), message: z.string() }),
]);
export type BerthEvent = z.infer<typeof BerthEvent>;
