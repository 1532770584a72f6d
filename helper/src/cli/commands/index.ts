import type { Command } from '../command';

// Each area's verbs load only when a command runs one of them: a command
// evaluates the module of its own verb, not all seven (with their imports:
// nat's node:events is ~1.5 ms of a Bun start) (docs/architecture.md#the-cli-start).
// A verb's first word names its area; help loads them all.
// commands.test.ts checks this table against the modules.
const AREAS = {
  network: async () => (await import('./network')).networkCommands,
  container: async () => (await import('./container')).containerCommands,
  port: async () => (await import('./port')).portCommands,
  nat: async () => (await import('./nat')).natCommands,
  inspect: async () => (await import('./inspect')).commands,
  ui: async () => (await import('./ui')).commands,
  system: async () => (await import('./system')).systemCommands,
} satisfies Record<string, () => Promise<Command[]>>;
type Area = keyof typeof AREAS;

export const AREA_OF_WORD: Readonly<Record<string, Area>> = {
  network: 'network',
  run: 'container', exec: 'container', attach: 'container', ps: 'container', inspect: 'container', stop: 'container',
  restart: 'container', kill: 'container', wait: 'container', start: 'container', rm: 'container', container: 'container', logs: 'container',
  port: 'port',
  nat: 'nat',
  host: 'inspect', cleanup: 'inspect',
  ui: 'ui',
  helper: 'system', info: 'system', doctor: 'system', system: 'system', version: 'system',
};

// The verbs whose first word is `word` (with the rest of their area); none for a word no verb has.
export async function commandsOf(word: string | undefined): Promise<Command[]> {
  const area = word !== undefined && Object.hasOwn(AREA_OF_WORD, word) ? AREA_OF_WORD[word] : undefined;
  return area ? AREAS[area]() : [];
}

// Every verb, in the order help lists them.
export async function allCommands(): Promise<Command[]> {
  return (await Promise.all(Object.values(AREAS).map((load) => load()))).flat();
}
