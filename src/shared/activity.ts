import { z } from 'zod';
import { BerthEvent } from './events';

// Who did what the helper records: the app, the CLI (by the client name a
// connection gives with its token), the helper's drift repair, a cleanup
// (applied or undone from either client), or the helper on its own (a
// container that exited).
export const ACTORS = ['gui', 'cli', 'drift', 'cleanup', 'helper'] as const;
export const Actor = z.enum(ACTORS);
export type Actor = z.infer<typeof Actor>;
export const CLIENT_KINDS = ['gui', 'cli'] as const;
export type ClientKind = (typeof CLIENT_KINDS)[number];

// One recorded event, kept by the helper across restarts (bounded).
export const ActivityEntry = z.object({
  seq: z.number().int(),
  at: z.string(), // ISO time the helper saw it
  actor: Actor,
  client: z.enum(CLIENT_KINDS).optional(), // for a cleanup: which client asked
  event: BerthEvent,
});
export type ActivityEntry = z.infer<typeof ActivityEntry>;

export const ActivityListParams = z
  .object({
    actor: Actor.optional(),
    limit: z.number().int().min(1).max(1000).default(500),
  })
  .strict()
  .default({ limit: 500 });
