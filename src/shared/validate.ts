import { z } from 'zod';

// A dry run of a create: what the helper would refuse, per field, changing
// nothing. The dialogs ask as the user types; the create itself runs the
// same checks first, so the GUI, the CLI and the create never disagree.
export const Problem = z.object({ field: z.string(), message: z.string() });
export type Problem = z.infer<typeof Problem>;
export const Validation = z.object({ problems: z.array(Problem) });
export type Validation = z.infer<typeof Validation>;

// Loose on purpose: half-typed input is what is being checked.
export const NetworkValidateParams = z
  .object({
    name: z.string().max(256).default(''),
    subnet: z.string().max(64).optional(),
    gateway: z.string().max(64).optional(),
    ipRange: z.string().max(64).optional(),
    // dual stack (docs/ipv6.md): subnet/gateway/ipRange are then the IPv4 ones
    ipv4: z.boolean().optional(),
    ipv6: z.boolean().optional(),
    subnet6: z.string().max(64).optional(),
    gateway6: z.string().max(64).optional(),
    ipRange6: z.string().max(64).optional(),
  })
  .strict();
export type NetworkValidate = z.infer<typeof NetworkValidateParams>;
export const RunValidateParams = z
  .object({
    name: z.string().max(256).optional(),
    network: z.string().max(256).optional(),
    ports: z.array(z.string().max(128)).max(64).default([]),
  })
  .strict();
