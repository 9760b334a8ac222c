// Opening an instance's pinned datapath for the address-set commands, with errors that say what
// is wrong: a bad name is the caller's input, an instance that is not pinned is the system's state.
import { checkInstance, PinnedDatapath, pinDir } from '../datapath/index.ts';
import { AddrSetError } from './errors.ts';

export const DEFAULT_INSTANCE = 'default';

export function openInstance(instance: string = DEFAULT_INSTANCE): PinnedDatapath {
  try {
    checkInstance(instance);
  } catch (e) {
    throw new AddrSetError('E_INSTANCE_NAME', (e as Error).message);
  }
  try {
    return PinnedDatapath.open(instance);
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') {
      throw new AddrSetError('E_INSTANCE_NOT_LOADED', `instance "${instance}" is not loaded (nothing pinned at ${pinDir(instance)})`, { cause: e });
    }
    throw e;
  }
}
