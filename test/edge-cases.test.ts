/**
 * Refusals and messages at the borders of the commands, one test each: an escape-hatch patch
 * that swaps a component's image, an Application that depended on the working directory,
 * kubectl's log prefix in messages, render of a removed environment, duplicate --set-image
 * components, and --remove-env together with --env-file of the same environment.
 */
import { spawn } from "node:child_process";
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { generate, render } from "../src/index.js";
import { kustomizeMessage, renderKustomization } from "../src/render/kustomize.js";
import { parseImageUpdates } from "../src/commands/set-image.js";
import { resolveEnvironments } from "../src/tree/resolve-environments.js";
import { CLI, failureOf, renderer, runCli, snapshotTree, tempDir, STAGING_HEAD_FLOW as HEAD } from "./helpers.js";

describe("edge cases: refusals and messages at the borders of the commands", () => {
  it("refuses an escape-hatch patch that would swap a component's image (images.<component> owns it)", async () => {
    const dir = await tempDir();
    const file = path.join(dir, "staging.yaml");
    await writeFile(
      file,
      `${HEAD}patches:\n  - target: { kind: Deployment, name: argusai-backend }\n    container: backend\n    operations:\n      - { op: replace, path: /image, value: "docker.io/evil/x:1" }\n`,
    );
    const error = await failureOf(resolveEnvironments({ dir, envFiles: [file] }));
    expect(error.code).toBe("INVALID_SPEC");
    expect(error.message).toMatch(
      /staging.yaml:8: environment "staging", field patches.0.operations.0.path: replace \/spec\/template\/spec\/containers\/0\/image would change a component's image/,
    );
  });

  it("takes the Application's repoURL from the tree's package.json, whatever the working directory", async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, "package.json"), JSON.stringify({ name: "gitops", repository: "https://github.com/example/gitops.git" }));
    const result = await generate({
      dir,
      renderer,
      environments: [{ name: "prod", namespace: "argusai", secret: { mode: "existing" }, argocd: { enabled: true } }],
    });
    // The working directory is this project, whose package.json names another repository.
    expect(process.cwd()).not.toBe(dir);
    expect(result.applications.map((application) => application.repoURL)).toEqual(["https://github.com/example/gitops.git"]);
  });

  it("drops kubectl's log prefix from a failed render's message", async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, "kustomization.yaml"), "resources:\n- missing.yaml\n");
    const error = await failureOf(renderKustomization(dir, renderer));
    expect(error.code).toBe("KUSTOMIZE_BUILD_FAILED");
    expect(error.message).toContain("missing.yaml");
    expect(error.message).not.toMatch(/run\.go|"command failed"|^E\d{4}/m);
    expect(kustomizeMessage('E1125 22:39:59.162112   461 run.go:72] "command failed" err="accumulating resources: \\"x\\" not found"\n')).toBe(
      'accumulating resources: "x" not found',
    );
    expect(kustomizeMessage("# Warning: 'commonLabels' is deprecated\n")).toBe("# Warning: 'commonLabels' is deprecated");
  });

  it("render knows a removed environment is gone, though its directory stays for its secrets.env", async () => {
    const dir = await tempDir();
    await generate({ dir, renderer });
    await generate({ dir, renderer, removeEnvironments: ["dev"] });
    const error = await failureOf(render("dev", { dir, renderer }));
    expect(error.code).toBe("USAGE");
    expect(error.message).toMatch(/no overlay "dev" .*found: prod/);
  });

  it("refuses a component given twice to --set-image, and an environment both given and removed", async () => {
    expect(() => parseImageUpdates(["staging", "backend=1", "backend=2"])).toThrow(/backend of staging is given twice/);
    const dir = await tempDir();
    const file = path.join(dir, "staging.yaml");
    await writeFile(file, HEAD);
    await mkdir(path.join(dir, "tree"));
    const before = await snapshotTree(path.join(dir, "tree"));
    const result = await runCli(["generate", "--dir", path.join(dir, "tree"), "--env-file", file, "--remove-env", "staging"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/USAGE: environment "staging": environment "staging" is both given with --env-file and removed with --remove-env/);
    expect(await snapshotTree(path.join(dir, "tree"))).toEqual(before);
    await rm(file);
  });
});

describe("many --env-file files, read at once", () => {
  it("report the first problem in the order given, whichever read fails first", async () => {
    const dir = await tempDir();
    const files: string[] = [];
    for (let index = 0; index < 40; index += 1) {
      const file = path.join(dir, `env-${index}.yaml`);
      await writeFile(file, `name: env-${index}\nnamespace: argusai-env-${index}\nsecret: { mode: existing }\n`);
      files.push(file);
    }
    const broken = path.join(dir, "broken.yaml");
    await writeFile(broken, "name: [unclosed\n");
    const missing = path.join(dir, "missing.yaml");
    const problem = async (envFiles: readonly string[]) => {
      const error = await failureOf(resolveEnvironments({ dir, envFiles }));
      return `${error.code} ${error.problems[0]?.file ?? error.location.file ?? ""}`;
    };
    // A YAML error late in the list comes before a missing file after it (which fails sooner).
    expect(await problem([...files, broken, missing])).toBe(`INVALID_SPEC ${broken}`);
    expect(await problem([...files, missing, broken])).toBe(`FILE_ACCESS ${missing}`);
    // A file given twice is said before a later file fails to read.
    expect(await problem([files[0]!, ...files, missing])).toBe(`USAGE ${files[0]}`);
    // And all of them read: 40 environments, in the order given.
    const resolved = await resolveEnvironments({ dir, envFiles: files, removeEnvironments: ["dev", "prod"] });
    expect(resolved.specs.map((spec) => spec.name)).toEqual(files.map((_file, index) => `env-${index}`));
  });
});

describe("the CLI at its edges", () => {
  it("answers an argument error in JSON when --json is given", async () => {
    const result = await runCli(["generate", "--bogus", "--json"]);
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toEqual({
      command: "generate",
      ok: false,
      error: { code: "USAGE", message: "unknown option '--bogus'", problems: [], location: { file: null, line: null, environment: null, field: null } },
    });
  });

  it.each([["--help"], ["check"]])("stops quietly when its reader is gone (`%s | head -0`)", async (command) => {
    const dir = await tempDir();
    await generate({ dir, renderer });
    const child = spawn(process.execPath, ["--", CLI, command, "--dir", dir], { stdio: ["ignore", "pipe", "pipe"] });
    // The reader leaves before the first line: every write of the CLI meets a closed pipe.
    child.stdout.destroy();
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("close", (exit) => resolve(exit)));
    expect(stderr).not.toMatch(/EPIPE|Unhandled|\n\s+at /);
    expect(code).toBe(0);
  });
});
