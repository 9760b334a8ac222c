#!/usr/bin/env node
// The fwctl entry point: registers tsx so the TypeScript sources run as they are, then hands over
// to the CLI. An installed appliance puts this same file on PATH.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
