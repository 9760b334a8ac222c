// `fwctl` as a user runs it: a subprocess of this Node (bin/fwctl.mjs), its exit code and output.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export interface FwctlRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `fwctl ...args`; a non-zero exit is a result, not a throw. */
export async function fwctl(...args: string[]): Promise<FwctlRun> {
  try {
    const r = await exec(process.execPath, ['bin/fwctl.mjs', ...args], { maxBuffer: 64 << 20 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}
