/** A config file that fails to load is reported as the config's error, at the line it failed on. */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/tree/config-file.js";
import { failureOf, runCli, tempDir } from "../helpers.js";

describe("a config that fails to load: CONFIG_INVALID at its file and line", () => {
  it.each([
    [
      "TypeScript that does not parse (the line from jiti's parser)",
      "argusai-kustomize.config.ts",
      "const revision: string = ;\nexport default {};\n",
      1,
      /failed to load: ParseError: Unexpected token$/,
    ],
    [
      "a config that throws while it runs (the line of its frame)",
      "argusai-kustomize.config.mjs",
      "const settings = undefined;\n\nexport default { argocd: { project: settings.project } };\n",
      3,
      /failed to load: TypeError: Cannot read properties of undefined/,
    ],
    [
      "TypeScript that throws while it runs",
      "argusai-kustomize.config.mts",
      "const settings: { project: string } | undefined = undefined;\nexport default { argocd: { project: settings!.project } };\n",
      2,
      /failed to load: TypeError: /,
    ],
  ])("%s", async (_case, name, source, line, message) => {
    const dir = await tempDir();
    const file = path.join(dir, name);
    await writeFile(file, source);
    const error = await failureOf(loadConfig(dir));
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.location).toEqual({ file, line });
    expect(error.message).toMatch(message);
  });

  // Through the CLI: in the tests, Vitest's own module loader would read the JavaScript config.
  it("JavaScript that does not parse: the line from Node's own check", async () => {
    const dir = await tempDir();
    const file = path.join(dir, "argusai-kustomize.config.mjs");
    await writeFile(file, "export default {\n  argocd: { project: ; },\n};\n");
    expect(await runCli(["check", "--dir", dir])).toEqual({
      code: 2,
      stdout: "",
      stderr: `argusai-kustomize: CONFIG_INVALID: ${file}:2: argusai-kustomize.config.mjs failed to load: SyntaxError: Unexpected token ';'\n`,
    });
  });
});
