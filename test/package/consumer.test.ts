/**
 * The public types as a TypeScript consumer sees them: a project with `"types": []` (no Node
 * types; the default lib) and `skipLibCheck: false` (every .d.ts is checked) compiles imports of the
 * package, and so does every TypeScript example of the documentation, without type annotations.
 */
import { execFile } from "node:child_process";
import { mkdir, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../helpers.js";
import { documentationPages, readPage, typescriptBlocks } from "./markdown.js";

const TSC = path.resolve("node_modules/typescript/bin/tsc");

async function consumerProject(sources: Record<string, string>): Promise<string> {
  const dir = await tempDir("argusai-kustomize-consumer-");
  await mkdir(path.join(dir, "node_modules"), { recursive: true });
  await symlink(path.resolve("."), path.join(dir, "node_modules", "argusai-kustomize"));
  await writeFile(path.join(dir, "package.json"), JSON.stringify({ name: "consumer", type: "module", private: true }));
  await writeFile(
    path.join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true, types: [], skipLibCheck: false },
      include: ["*.ts"],
    }),
  );
  for (const [file, text] of Object.entries(sources)) await writeFile(path.join(dir, file), text);
  return dir;
}

function typecheck(dir: string): Promise<string> {
  return new Promise((resolve) => {
    // Run in the project, so diagnostics name its files by their own names.
    execFile(process.execPath, [TSC, "-p", "."], { cwd: dir }, (_error, stdout, stderr) => resolve(`${stdout}${stderr}`));
  });
}

/** A use of the package without annotations, with one line that must not compile. */
const USE = [
  'import { ArgusKustomizeError, defineEnvironment, devEnvironment, generate, prodEnvironment, type GenerateOptions } from "argusai-kustomize";',
  'const staging = defineEnvironment({ name: "staging", namespace: "argusai-staging", secret: { mode: "existing" }, images: { backend: { tag: "1.4.2" } } });',
  'const options: GenerateOptions = { dir: "deploy", environments: [devEnvironment(), prodEnvironment(), staging] };',
  "export const run = () => generate(options).catch((error: unknown) => (error instanceof ArgusKustomizeError ? error.problems : []));",
  "// @ts-expect-error replicas are numbers",
  'defineEnvironment({ name: "x", namespace: "x", secret: { mode: "existing" }, replicas: { backend: "1" } });',
  "",
].join("\n");

let examples: string[];
let diagnostics: string[];

// One consumer project and one compiler run for both tests (tsc starts slowly); each test reads the
// diagnostics of its own files.
beforeAll(async () => {
  const sources: Record<string, string> = { "use.ts": USE };
  for (const page of await documentationPages()) {
    typescriptBlocks(await readPage(page)).forEach((block, index) => {
      sources[`example-${page.replace(/\.md$/, "").replace(/\W/g, "-")}-${index}.ts`] = `${block}\nexport {};\n`;
    });
  }
  examples = Object.keys(sources).filter((file) => file.startsWith("example-"));
  // One entry per diagnostic: a line naming its file, with any indented continuation lines.
  diagnostics = (await typecheck(await consumerProject(sources))).split(/\n(?=\S)/).filter((text) => text.trim() !== "");
}, 120_000);

describe("the package as a TypeScript consumer sees it", () => {
  it("compiles with no Node types and skipLibCheck off, and still rejects a wrong spec", () => {
    expect(diagnostics.filter((line) => !line.startsWith("example-"))).toEqual([]);
  });

  it("compiles every TypeScript example of the README, CONTRIBUTING.md and docs/", () => {
    expect(examples.length).toBeGreaterThanOrEqual(3);
    expect(diagnostics.filter((line) => line.startsWith("example-"))).toEqual([]);
  });
});
