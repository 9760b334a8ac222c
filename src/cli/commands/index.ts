// The command table. Add a command by writing commands/<name>.ts and listing it here.
import type { Command } from '../command.ts';
import { blockCommand } from './block.ts';
import { checkCommand } from './check.ts';
import { labCommand } from './lab.ts';
import { replayCommand } from './replay.ts';
import { setCommand } from './set.ts';
import { versionCommand } from './version.ts';

export const COMMANDS: Command[] = [blockCommand, checkCommand, labCommand, replayCommand, setCommand, versionCommand];
