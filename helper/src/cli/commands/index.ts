import type { Command } from '../command';
import { containerCommands } from './container';
import { commands as inspectCommands } from './inspect';
import { networkCommands } from './network';
import { portCommands } from './port';
import { systemCommands } from './system';
import { commands as uiCommands } from './ui';

export const COMMANDS: Command[] = [...networkCommands, ...containerCommands, ...portCommands, ...inspectCommands, ...uiCommands, ...systemCommands];
