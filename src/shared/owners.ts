// Who an object belongs to; zod-free so the CLI can check --owner without
// loading the schemas (inspect.ts builds the Owner schema from it).
export const OWNERS = ['berth', 'docker', 'podman', 'cni', 'libvirt', 'kubernetes', 'firewalld', 'ufw', 'system', 'unknown'] as const;
export type OwnerName = (typeof OWNERS)[number];
