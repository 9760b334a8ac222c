// BpfError: every failure of a libbpf call or syscall made by the addon, with the failed
// operation, the positive errno and its symbolic code. The one errno -> code/text table is Node's
// own (util.getSystemErrorMap), plus the kernel-internal codes BPF commands leak to userspace.
import { getSystemErrorMap } from 'node:util';

// Kernel-internal errnos (include/linux/errno.h) that BPF syscalls can return; libc has no names.
const KERNEL_ONLY: Record<number, [string, string]> = {
  512: ['ERESTARTSYS', 'Restart system call'],
  524: ['ENOTSUPP', 'Operation is not supported'],
  525: ['ETOOSMALL', 'Buffer or request is too small'],
};

const systemErrors = getSystemErrorMap(); // keyed by negative errno

/** [code, text] for a positive errno. */
export function describeErrno(errno: number): [code: string, text: string] {
  const known = systemErrors.get(-errno) ?? KERNEL_ONLY[errno];
  return known ? [known[0], known[1]] : [`E${errno}`, `Unknown error ${errno}`];
}

/** How many trailing lines of a multi-line detail (a verifier log) go into the message. */
const LOG_TAIL_LINES = 40;

export class BpfError extends Error {
  override name = 'BpfError';
  /** The libbpf function or syscall that failed, e.g. "bpf_map_update_elem". */
  readonly op: string;
  /** Positive errno. */
  readonly errno: number;
  /** Symbolic errno, e.g. "EEXIST". */
  readonly code: string;
  /** Extra context from the addon: a path, a name, or for load failures the whole libbpf log. */
  readonly detail: string;

  constructor(op: string, errno: number, detail = '') {
    const [code, text] = describeErrno(errno);
    super(formatMessage(op, code, text, detail));
    this.op = op;
    this.errno = errno;
    this.code = code;
    this.detail = detail;
  }

  /** For load failures: the libbpf output captured during bpf_object__load (verifier log included). */
  get log(): string {
    return this.detail.includes('\n') ? this.detail : '';
  }
}

function formatMessage(op: string, code: string, text: string, detail: string): string {
  const head = `${op}: ${text} (${code})`;
  const trimmed = detail.trimEnd();
  if (!trimmed) return head;
  if (!trimmed.includes('\n')) return `${head}: ${trimmed}`;
  const lines = trimmed.split('\n');
  const tail = lines.slice(-LOG_TAIL_LINES);
  const cut = lines.length > tail.length ? `(${lines.length - tail.length} earlier lines in err.log)\n` : '';
  return `${head}\n--- libbpf log (tail) ---\n${cut}${tail.join('\n')}`;
}
