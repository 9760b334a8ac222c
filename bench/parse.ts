// bench/parse: rules per second of the whole front half (lex → parse → resolve → validate →
// lower, cross-rule checks) on a 30k-rule file. Target: the 30k rules in under 2 s.
//
//   npx tsx bench/parse.ts [N] [--file F]
//
// Prints the first (cold JIT) run and the median of three warm runs.
// Input: --file F if given; else bench/gen-ruleset.ts (the corpus helper's generator) if present;
// else the rules of rules/corpus/ repeated with fresh sids until there are N (default 30000).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { compileRuleText } from '../src/rules/index.ts';

const args = process.argv.slice(2);
const fileArg = args.indexOf('--file');
const n = Number(args.find((a, i) => /^\d+$/.test(a) && args[i - 1] !== '--file') ?? 30000);

async function input(): Promise<{ text: string; from: string }> {
  if (fileArg >= 0) return { text: readFileSync(args[fileArg + 1], 'utf8'), from: args[fileArg + 1] };
  const gen = new URL('./gen-ruleset.ts', import.meta.url);
  if (existsSync(gen)) {
    const mod = (await import(gen.href)) as { renderRuleset?: (o: { count: number; seed: number }) => string };
    if (mod.renderRuleset) return { text: mod.renderRuleset({ count: n, seed: 1 }), from: 'bench/gen-ruleset.ts (seed 1)' };
  }
  const dir = new URL('../rules/corpus/', import.meta.url);
  const seeds = readdirSync(dir)
    .filter((f) => f.endsWith('.rules'))
    .flatMap((f) => readFileSync(new URL(f, dir), 'utf8').split('\n'))
    .filter((l) => /^(alert|drop|pass|reject)/.test(l));
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) out.push(seeds[i % seeds.length].replace(/\bsid\s*:\s*\d+/, `sid:${10_000_000 + i}`));
  return { text: out.join('\n'), from: `rules/corpus (${seeds.length} rules repeated)` };
}

const { text, from } = await input();
// The first run is what `fwctl check` sees in a fresh process (JIT cold); later runs are warm.
// CPU time is printed too: on a busy machine wall time overstates the cost.
const cpu = (f: () => void): [number, number] => {
  const c0 = process.cpuUsage();
  const t = performance.now();
  f();
  const c = process.cpuUsage(c0);
  return [performance.now() - t, (c.user + c.system) / 1000];
};
let r = compileRuleText([{ file: 'warm.rules', text: '' }]);
const [cold, coldCpu] = cpu(() => {
  r = compileRuleText([{ file: 'bench.rules', text }]);
});
const warm: Array<[number, number]> = [];
for (let i = 0; i < 3; i++) {
  warm.push(
    cpu(() => {
      r = compileRuleText([{ file: 'bench.rules', text }]);
    }),
  );
}
const [ms, msCpu] = warm.sort((a, b) => a[0] - b[0])[1];
const s = r.summary;
console.log(`input: ${from}, ${(text.length / 1e6).toFixed(1)} MB`);
console.log(`${s.total} rules (${s.loaded} loaded, ${s.skipped} skipped, ${s.invalid} invalid, ${s.errors} errors)`);
console.log(`cold (first run): ${cold.toFixed(0)} ms wall, ${coldCpu.toFixed(0)} ms cpu, ${Math.round((s.total / cold) * 1000)} rules/s`);
console.log(`warm (median of 3): ${ms.toFixed(0)} ms wall, ${msCpu.toFixed(0)} ms cpu, ${Math.round((s.total / ms) * 1000)} rules/s`);
const goal = (t: number) => (s.total < 30000 ? 'n/a (fewer than 30000 rules)' : t < 2000 ? 'met' : 'MISSED');
console.log(`target 30000 rules < 2000 ms: cold ${goal(cold)}, warm ${goal(ms)}`);
