// What a container's log keeps without --log-opt (docs/logs.md): 3 files of
// 10 MiB. Apart from container.ts so the CLI reads it without loading zod.
export const DEFAULT_LOG_LIMITS = { maxSize: 10 * 1024 * 1024, maxFile: 3 } as const;
