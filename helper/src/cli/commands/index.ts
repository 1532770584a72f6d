import type { Command } from '../command';
import { containerCommands } from './container';
import { commands as inspectCommands } from './inspect';
import { natCommands } from './nat';
import { networkCommands } from './network';
import { portCommands } from './port';
import { systemCommands } from './system';
import { commands as uiCommands } from './ui';

export const COMMANDS: Command[] = [...networkCommands, ...containerCommands, ...portCommands, ...natCommands, ...inspectCommands, ...uiCommands, ...systemCommands];
