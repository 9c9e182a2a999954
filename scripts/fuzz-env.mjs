#!/usr/bin/env node
// Opt-in: the environment-file property test (test/inputs/env-property.test.ts) with many more
// inputs than npm test runs. Every input must end in a valid overlay (rendered with the real
// kubectl kustomize and validated) or in INVALID_SPEC naming the file, with the tree unchanged.
//   node scripts/fuzz-env.mjs [inputs] [seed]      (default 2000 inputs, a random seed)
// A failure prints fast-check's seed and counterexample; replay it with the same seed.
import { spawnSync } from "node:child_process";

const runs = process.argv[2] ?? "2000";
const seed = process.argv[3] ?? String(Math.floor(Math.random() * 2 ** 31));
process.stdout.write(`fuzzing ${runs} environment files, seed ${seed}\n`);
const result = spawnSync(process.execPath, ["node_modules/vitest/vitest.mjs", "run", "test/inputs/env-property.test.ts"], {
  stdio: "inherit",
  env: { ...process.env, FUZZ_RUNS: runs, FUZZ_SEED: seed },
});
process.exit(result.status ?? 1);
