// Entry of the confirm watchdog process (confirm.ts starts it detached; see watchdog.ts).
//   node --import tsx src/control/watchdog-main.ts INSTANCE TOKEN STATE_ROOT
import { runWatchdog } from './watchdog.ts';

const [instance, token, root] = process.argv.slice(2);
process.exitCode = await runWatchdog(instance, token, root);
