// `npm run bench [-- NAME...]`: runs the named benchmarks (all when none is named) and prints figures.
// Benchmarks measure; they never fail a build on a number.
import { benchmarks } from "./registry";

async function main(): Promise<void> {
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith("-"));
  const names = wanted.length > 0 ? wanted : Object.keys(benchmarks);
  for (const name of names) {
    const run = benchmarks[name];
    if (!run) {
      throw new Error(`unknown benchmark "${name}"; choose from: ${Object.keys(benchmarks).join(", ")}`);
    }
    console.log(`\n== ${name} ==`);
    await run();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
