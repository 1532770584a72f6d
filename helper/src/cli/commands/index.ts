import type { Command } from '../command';
import { containerCommands } from './container';
import { networkCommands } from './network';
import { systemCommands } from './system';

export const COMMANDS: Command[] = [...networkCommands, ...containerCommands, ...systemCommands];
