// What the helper and its spawner (spawner.ts, spawner-main.ts) say to each other.
export interface SpawnRequest {
  id: number;
  file: string; // absolute path (kernel/programs.ts)
  args: string[];
  env: Record<string, string>;
  input?: string;
  timeoutMs: number;
  // stdout comes as SpawnChunk messages while the program runs (the reply's stdout is then empty)
  stream?: boolean;
}
// The helper no longer wants a streamed program's output (its reader went away): the program is killed.
export interface SpawnKill {
  id: number;
  kill: true;
}
export interface SpawnChunk {
  id: number;
  chunk: string; // UTF-8 decoded; a character split across reads is kept whole
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
