// The command table. Add a command by writing commands/<name>.ts and listing it here.
import type { Command } from '../command.ts';
import { blockCommand } from './block.ts';
import { checkCommand } from './check.ts';
import { confirmCommand } from './confirm.ts';
import { flowsCommand } from './flows.ts';
import { labCommand } from './lab.ts';
import { loadCommand } from './load.ts';
import { ratelimitCommand } from './ratelimit.ts';
import { replayCommand } from './replay.ts';
import { rollbackCommand } from './rollback.ts';
import { setCommand } from './set.ts';
import { statsCommand } from './stats.ts';
import { statusCommand } from './status.ts';
import { synproxyCommand } from './synproxy.ts';
import { traceCommand } from './trace.ts';
import { unloadCommand } from './unload.ts';
import { versionCommand } from './version.ts';

export const COMMANDS: Command[] = [
  blockCommand, checkCommand, confirmCommand, flowsCommand, labCommand, loadCommand, ratelimitCommand, replayCommand, rollbackCommand, setCommand, statsCommand,
  statusCommand, synproxyCommand, traceCommand, unloadCommand, versionCommand,
];
