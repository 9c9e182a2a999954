// The stages of src/ and the rule that imports only flow forward, checked on the source itself
// (every static and dynamic relative import), together with the size limit of a source file.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const SRC = path.resolve(import.meta.dirname, "../../src");

/**
 * The stages in pipeline order. A file may import from its own stage and from earlier ones only.
 * "shared" is the top-level leaves every stage uses (the error class, printable text, the pool,
 * operating-system errors); "index" is the package's named exports.
 */
const STAGES = [
  "shared",
  "kubernetes",
  "model",
  "patch",
  "kustomize",
  "tree",
  "write",
  "render",
  "validate",
  "argocd",
  "diff",
  "commands",
  "cli",
  "index",
] as const;

const MAX_LINES = 400;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith(".ts") ? [full] : [];
  });
}

/** The stage of a file under src/ (`shared` for the top-level leaves, `index` for index.ts). */
function stageOf(file: string): string {
  const [first, ...rest] = path.relative(SRC, file).split(path.sep);
  if (rest.length > 0) return first!;
  return first === "index.ts" ? "index" : "shared";
}

/** Every relative module a file imports, statically or with `import()`, resolved to a .ts path. */
function importsOf(file: string, text = readFileSync(file, "utf8")): string[] {
  const specifiers = [...text.matchAll(/(?:from\s+|import\(\s*|import\s+)["'](\.{1,2}\/[^"']+)["']/g)].map((match) => match[1]!);
  return specifiers.map((specifier) => path.resolve(path.dirname(file), specifier).replace(/\.js$/, ".ts"));
}

/** The imports of `file` that reach into a later stage, as `from -> to` lines. */
function backwardImports(file: string, text?: string): string[] {
  const rank = (target: string) => STAGES.indexOf(stageOf(target) as (typeof STAGES)[number]);
  return importsOf(file, text)
    .filter((target) => rank(target) > rank(file))
    .map((target) => `${path.relative(SRC, file)} -> ${path.relative(SRC, target)}`);
}

const files = sourceFiles(SRC);

describe("src/ is shaped like the pipeline", () => {
  it("every folder of src/ is a known stage", () => {
    const stages = new Set(files.map(stageOf));
    expect([...stages].filter((stage) => !(STAGES as readonly string[]).includes(stage))).toEqual([]);
  });

  it("imports only flow forward: no file imports from a later stage", () => {
    expect(files.flatMap((file) => backwardImports(file))).toEqual([]);
  });

  it("every relative import names a file that exists", () => {
    const known = new Set(files);
    const missing = files.flatMap((file) =>
      importsOf(file)
        .filter((target) => !known.has(target))
        .map((target) => `${path.relative(SRC, file)} -> ${path.relative(SRC, target)}`),
    );
    expect(missing).toEqual([]);
  });

  it("a backward import is caught, static or dynamic (the check itself can fail)", () => {
    const model = path.join(SRC, "model/example.ts");
    const text = 'import { a } from "./components.js";\nimport type { B } from "../cli/main.js";\nconst c = await import("../render/batch.js");\n';
    expect(backwardImports(model, text)).toEqual(["model/example.ts -> cli/main.ts", "model/example.ts -> render/batch.ts"]);
  });

  it(`no source file is over ${MAX_LINES} lines`, () => {
    const long = files
      .map((file) => ({ file: path.relative(SRC, file), lines: readFileSync(file, "utf8").split("\n").length - 1 }))
      .filter(({ lines }) => lines > MAX_LINES);
    expect(long).toEqual([]);
  });
});
