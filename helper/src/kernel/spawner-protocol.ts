// What the helper and its spawner (spawner.ts, spawner-main.ts) say to each other.
export interface SpawnRequest {
  id: number;
  file: string; // absolute path (kernel/programs.ts)
  args: string[];
  env: Record<string, string>;
  input?: string;
  timeoutMs: number;
}
export interface SpawnReply {
  id: number;
  stdout: string;
  stderr: string;
  exitCode: number; // -1: no exit code (killed, or could not start)
  signal?: string;
  timedOut: boolean;
  error?: string; // could not start (ENOENT, EACCES, …)
}
// The spawner's argument saying fd 4 is the helper's generation lock (kernel/program-generation.ts).
export const GENERATION_ARG = '--generation-fd-4';
