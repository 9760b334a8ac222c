import { readFileSync } from 'node:fs';
import type { Command } from '../command.ts';

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

export const versionCommand: Command = {
  name: 'version',
  summary: 'print the fwctl version',
  usage: '',
  options: [],
  async run({ out, json }) {
    out(json ? JSON.stringify({ version: pkg.version }) : `fwctl ${pkg.version}`);
    return 0;
  },
};
