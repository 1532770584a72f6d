// What the helper and its spawner (spawner.ts, spawner-main.ts) say to each other.
export interface SpawnRequest {
  id: number;
  file: string; // absolute path (kernel/programs.ts)
  args: string[];
  env: Record<string, string>;
  input?: string;
  timeoutMs: number;
  // the program's stdout is handed to the helper (SpawnStdout) to read while it runs (the reply's stdout is then empty)
  stream?: boolean;
}
// The helper no longer wants a streamed program's output (its reader went away): the program is killed.
export interface SpawnKill {
  id: number;
  kill: true;
}
// A streamed program started: this message carries its stdout (the read end
// of its pipe, a handle passed over the IPC channel), which the helper reads
// to its end. It comes before the program's reply, which may come before the
// helper has read everything.
export interface SpawnStdout {
  id: number;
  stdout: true;
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
