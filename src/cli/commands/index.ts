// The command table. Add a command by writing commands/<name>.ts and listing it here.
import type { Command } from '../command.ts';
import { versionCommand } from './version.ts';

export const COMMANDS: Command[] = [versionCommand];
