// Sums a TAP stream's results into the closing line "N passed, N failed".
// Exits 1 when anything failed or nothing ran (a run that executed nothing must be visible).
import { readFileSync } from 'node:fs';

const [file, flag] = process.argv.slice(2);
const lines = readFileSync(file, 'utf8').split('\n');
let passed = 0;
let failed = 0;
for (const line of lines) {
  if (/^ok \d+/.test(line)) passed++;
  else if (/^not ok \d+/.test(line)) failed++;
}
if (flag === '--extra-fail' && failed === 0) failed = 1; // typecheck or runner failure
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
