/**
 * The property every input must have: generate either writes an overlay that the real kustomize
 * renders and that passes validation (generate itself renders and validates before it swaps the
 * tree in), or refuses with INVALID_SPEC naming the file (and a field where the input has one)
 * and leaves every byte of the tree as it was. Never a stack trace (a non-ArgusKustomizeError),
 * never KUSTOMIZE_BUILD_FAILED (exit 3) or VALIDATION_FAILED for an input a spec check could
 * have refused.
 *
 * Inputs: generated environment specs (written as YAML or JSON) and random mutations of
 * examples/staging.yaml. FUZZ_RUNS sets the count (scripts/fuzz-env.mjs runs thousands);
 * FUZZ_SEED replays a run.
 */
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import fc from "fast-check";
import { stringify } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { ArgusKustomizeError, formatProblem } from "../../src/errors.js";
import { generate } from "../../src/index.js";
import { renderer, snapshotTree, tempDir } from "../helpers.js";

const RUNS = Number(process.env["FUZZ_RUNS"] ?? 160);
// A fixed seed in npm test, so CI runs the same inputs every time (a failure here is a bug, not
// luck); scripts/fuzz-env.mjs draws a new seed for each of its larger runs.
const SEED = Number(process.env["FUZZ_SEED"] ?? 20261125);
const EXAMPLE = readFileSync(path.resolve("examples/staging.yaml"), "utf8");

// Characters that have broken something before: controls, separators, surrogates, quotes, YAML syntax.
const ODD = [
  "\u0000",
  "\u0007",
  "\t",
  "\n",
  "\r",
  "\u001b[2J",
  "\u007f",
  "\u0085",
  "\u009b",
  "\u00a0",
  "\u2028",
  "\u2029",
  "\ud800",
  "\udc00",
  "\ufeff",
  "\ufffe",
  "\uffff",
  "😀",
  "'",
  '"',
  ":",
  "#",
  "=",
  "-",
  "&a",
  "*a",
  "{",
  "[",
  "%",
  "@",
  "`",
  "!",
  "|",
  ">",
  "\\",
  " ",
];
const oddText = fc
  .array(fc.oneof(fc.constantFrom(...ODD), fc.string({ maxLength: 4 }), fc.string({ unit: "binary", maxLength: 3 })), { maxLength: 5 })
  .map((parts) => parts.join(""));

/** Mostly `usual`, sometimes `odd`: enough valid specs to exercise kustomize, enough odd ones to find holes. */
const mostly = <T, U>(usual: fc.Arbitrary<T>, odd: fc.Arbitrary<U>) => fc.oneof({ arbitrary: usual, weight: 6 }, { arbitrary: odd, weight: 1 });

const quantity = mostly(
  fc
    .tuple(
      fc.constantFrom("", "+", "-"),
      fc.oneof(
        fc.nat({ max: 5000 }).map(String),
        fc.constantFrom("0.5", "1.000000001", ".5", "1.", "0.0009765625", "9223372036854775807", "1.0000000001", "0"),
      ),
      fc.constantFrom("", "m", "n", "u", "k", "M", "G", "Ki", "Mi", "Gi", "Ti", "Ei", "E", "e3", "e-3", "e309", "e-10", "MB", "i", " "),
    )
    .map(([sign, number, suffix]) => `${sign}${number}${suffix}`),
  oddText,
);
const usualQuantity = (cpu: boolean) =>
  mostly(fc.constantFrom(...(cpu ? ["100m", "250m", "0.5", "1", "2", "700m"] : ["128Mi", "256Mi", "512Mi", "1Gi", "1.5Gi"])), quantity);
const dnsish = mostly(
  fc.constantFrom("staging", "qa-1", "argusai-staging", "a"),
  fc.oneof(fc.constantFrom("dev", "prod", "default", "kube-system", "x".repeat(64)), fc.stringMatching(/^[a-z0-9-]{1,12}$/), oddText),
);
/** Usually absent: each field left out is one less cross-field rule to break, so valid specs stay common. */
const sometimes = <T>(value: fc.Arbitrary<T>) => fc.oneof({ arbitrary: fc.constant(undefined), weight: 3 }, { arbitrary: value, weight: 1 });
const withoutAbsent = <T extends Record<string, unknown>>(record: T) => Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
const componentsOf = <T>(value: fc.Arbitrary<T>) => fc.record({ backend: sometimes(value), frontend: sometimes(value) }).map(withoutAbsent);
const configKey = mostly(
  fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,10}$/),
  fc.oneof(fc.constantFrom("1ST", ".", "..", "..x", "a.b", "-x", "LOG_LEVEL", "K".repeat(254)), oddText),
);

const imageVersion = mostly(
  fc.oneof(fc.record({ tag: fc.constantFrom("1.4.2", "v1", "2024.01") }), fc.constant({ digest: `sha256:${"a".repeat(64)}` })),
  fc.oneof(
    fc.record({ tag: fc.oneof(fc.constantFrom("latest", "-rc"), oddText) }),
    fc.record({ digest: oddText }),
    fc.constant({ newTag: "1.0" }),
    fc.constant("1.0"),
  ),
);
const cpuMemory = fc.record({ cpu: sometimes(usualQuantity(true)), memory: sometimes(usualQuantity(false)) }).map(withoutAbsent);

const spec = fc
  .record({
    name: dnsish,
    namespace: dnsish,
    secret: mostly(fc.constantFrom({ mode: "existing" }, { mode: "generated" }), fc.constantFrom({ mode: "literal" }, "existing")),
    production: sometimes(mostly(fc.boolean(), fc.constantFrom("yes", 1))),
    createNamespace: sometimes(fc.boolean()),
    images: sometimes(componentsOf(imageVersion)),
    replicas: sometimes(componentsOf(mostly(fc.integer({ min: 0, max: 1 }), fc.constantFrom(-1, 1.5, 2, 3_000_000_000, "2")))),
    resources: sometimes(componentsOf(fc.record({ requests: sometimes(cpuMemory), limits: sometimes(cpuMemory) }).map(withoutAbsent))),
    config: sometimes(fc.dictionary(configKey, mostly(fc.string({ maxLength: 8 }), fc.oneof(oddText, fc.integer())), { maxKeys: 4 })),
    ingress: sometimes(
      fc
        .record({
          host: mostly(fc.constant("argusai.example.com"), fc.oneof(fc.constantFrom("10.0.0.1", "a..b"), oddText)),
          tlsSecretName: sometimes(dnsish),
          className: sometimes(dnsish),
        })
        .map(withoutAbsent),
    ),
    storage: sometimes(fc.record({ className: sometimes(dnsish), size: sometimes(usualQuantity(false)) }).map(withoutAbsent)),
    disruptionBudgets: sometimes(componentsOf(fc.record({ minAvailable: mostly(fc.constant(0), fc.integer({ min: -1, max: 3 })) }))),
    extra: fc.oneof({ arbitrary: fc.constant(undefined), weight: 20 }, { arbitrary: fc.constant("unknown"), weight: 1 }),
  })
  .map(withoutAbsent);

/** A spec as a file: YAML (double-quoted where needed, so every string survives) or JSON. */
const specFile = fc.tuple(spec, fc.boolean()).map(([value, json]) => ({
  text: json ? JSON.stringify(value) : stringify(value, { lineWidth: 0 }),
  ext: json ? "json" : "yaml",
}));

/** examples/staging.yaml with a few lines deleted, duplicated, replaced, re-indented or spliced with odd text. */
const mutatedExample = fc
  .array(fc.tuple(fc.constantFrom("delete", "duplicate", "value", "indent", "insert", "truncate"), fc.nat(), oddText, quantity), { minLength: 1, maxLength: 3 })
  .map((mutations) => {
    let lines = EXAMPLE.split("\n");
    for (const [kind, at, text, q] of mutations) {
      const index = at % lines.length;
      const line = lines[index] ?? "";
      if (kind === "delete") lines.splice(index, 1);
      else if (kind === "duplicate") lines.splice(index, 0, line);
      else if (kind === "value")
        lines[index] = line.replace(/:\s*(.*)$/, (_, old: string) => `: ${at % 2 === 0 ? JSON.stringify(text) : old.length % 2 === 0 ? q : text}`);
      else if (kind === "indent") lines[index] = `${" ".repeat(at % 5)}${line.trimStart()}`;
      else if (kind === "insert") lines.splice(index, 0, `${" ".repeat((at % 3) * 2)}${text}: ${q}`);
      else lines = lines.slice(0, Math.max(1, index));
    }
    return { text: lines.join("\n"), ext: "yaml" };
  });

/** Inputs checked at once, each against its own tree: kubectl runs in parallel, and a run stays short. */
const LANES = 4;
const trees: string[] = [];
let inputs: string;
let count = 0;
const outcomes = { written: 0, refused: 0 };

beforeAll(async () => {
  inputs = await tempDir();
  for (let lane = 0; lane < LANES; lane += 1) {
    const tree = await tempDir();
    // One small environment, so a case renders one overlay (the file's, replacing it by name) or two.
    await generate({ dir: tree, environments: [{ name: "staging", namespace: "argusai-staging", secret: { mode: "existing" } }], renderer });
    trees.push(tree);
  }
});

async function holds(input: { text: string; ext: string }, tree: string): Promise<void> {
  count += 1;
  const file = path.join(inputs, `case-${count}.${input.ext}`);
  await writeFile(file, input.text);
  const before = await snapshotTree(tree);
  let error: unknown;
  try {
    const result = await generate({ dir: tree, envFiles: [file], renderer });
    outcomes.written += 1;
    expect(result.overlays.length).toBeGreaterThan(0);
    return;
  } catch (caught) {
    error = caught;
  }
  if (!(error instanceof ArgusKustomizeError))
    throw new Error(`not an ArgusKustomizeError for ${JSON.stringify(input.text)}: ${(error as Error)?.stack ?? String(error)}`);
  // A later file may change what a live cluster refuses to change on the lane's existing overlay
  // (its storage class, a smaller volume, its namespace): refused as such, the tree unchanged.
  if (error.code === "UPGRADE_REFUSED") {
    outcomes.refused += 1;
    for (const problem of error.problems)
      expect(problem).toMatchObject({ environment: expect.any(String), field: expect.stringMatching(/^(namespace|storage\.\w+|createNamespace)$/) });
    expect(await snapshotTree(tree)).toEqual(before);
    return;
  }
  if (error.code !== "INVALID_SPEC")
    throw new Error(`${error.code} which a spec check could have refused, for ${JSON.stringify(input.text)}:\n${error.message}`);
  outcomes.refused += 1;
  expect(error.message).toContain(file);
  // Every problem line names the file; the spec's own problems also name a field.
  for (const line of error.problems.map(formatProblem))
    expect(line).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(:\\d+)?: environment "(?:[^"\\\\]|\\\\.)*", field \\S`));
  expect(error.message).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
  expect(await snapshotTree(tree)).toEqual(before);
}

describe("every environment file ends in a valid overlay or in INVALID_SPEC naming the file, tree unchanged", () => {
  it(`${RUNS} generated specs and mutations of examples/staging.yaml`, { timeout: Math.max(60_000, RUNS * 2_000) }, async () => {
    const batch = fc.array(fc.oneof(specFile, mutatedExample), { minLength: LANES, maxLength: LANES });
    const allHold = async (batchInputs: Array<{ text: string; ext: string }>) => {
      await Promise.all(batchInputs.map((input, lane) => holds(input, trees[lane]!)));
    };
    await fc.assert(fc.asyncProperty(batch, allHold), { numRuns: Math.ceil(RUNS / LANES), seed: SEED, endOnFailure: true });
    console.log(`property: ${RUNS} inputs, ${outcomes.written} written, ${outcomes.refused} refused`);
    expect(outcomes.written + outcomes.refused).toBeGreaterThanOrEqual(RUNS);
  });
});
