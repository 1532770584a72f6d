import { z } from 'zod';

export const Proto = z.enum(['tcp', 'udp', 'sctp']);
export type Proto = z.infer<typeof Proto>;

// One published port of a container, after allocation.
export const PortMapping = z.object({
  hostIp: z.string(), // '0.0.0.0', '::', or a host address
  hostPort: z.number().int().min(1).max(65535),
  containerPort: z.number().int().min(1).max(65535),
  proto: Proto,
  containerIp: z.string().optional(), // set while the container's gateway endpoint exists
});
export type PortMapping = z.infer<typeof PortMapping>;

export const PortListParams = z.object({ container: z.string().min(1).max(128) });
export const PortEditParams = z.object({
  container: z.string().min(1).max(128),
  spec: z.string().min(1).max(128), // Docker's -p syntax
});
