/**
 * A user's repository: the tree found upwards from wherever a command runs, the config file read
 * by every command (CLI and library), and init.
 */
import { execFileSync } from "node:child_process";
import { mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { check, diffEnvironments, generate, init, render, setImages, validate } from "../../src/index.js";
import { failureOf, findObject, renderer, runCli, snapshotTree, tempDir, WORKER_COMPONENT_SOURCE, type KObject } from "../helpers.js";

/** Every file of the repository but git's own and the installed package (a link to this checkout). */
const snapshotRepository = (repo: string) => snapshotTree(repo, [".git", "node_modules"]);

/** A temp repository whose `argusai-kustomize` import resolves to this checkout (as an install would). */
async function userRepo(origin?: string): Promise<string> {
  const repo = await tempDir("argusai-user-repo-");
  execFileSync("git", ["init", "-q", repo]);
  if (origin !== undefined) execFileSync("git", ["-C", repo, "remote", "add", "origin", origin]);
  await mkdir(path.join(repo, "node_modules"));
  await symlink(path.resolve("."), path.join(repo, "node_modules", "argusai-kustomize"));
  return repo;
}

const WORKER = WORKER_COMPONENT_SOURCE;

const CONFIG_MJS = `import { ARGUSAI_COMPONENTS, defineComponent, defineConfig } from "argusai-kustomize";
export default defineConfig({ components: [...ARGUSAI_COMPONENTS, ${WORKER}], argocd: { targetRevision: "main" } });
`;

/** The same in TypeScript: a type annotation and an interface Node 20 cannot run without a loader. */
const CONFIG_TS = `import { ARGUSAI_COMPONENTS, defineComponent, defineConfig, type ArgusConfig } from "argusai-kustomize";
interface Extra { readonly revision: string }
const extra: Extra = { revision: "main" };
const config: ArgusConfig = defineConfig({ components: [...ARGUSAI_COMPONENTS, ${WORKER}], argocd: { targetRevision: extra.revision } });
export default config;
`;

const STAGING = `name: staging
namespace: argusai-staging
images: { backend: { tag: "1.4.2" }, frontend: { tag: "1.4.2" }, worker: { tag: "0.3.0" } }
replicas: { worker: 3 }
secret: { mode: existing }
argocd: { enabled: true }
`;

describe("the tree is found like git finds .git", () => {
  it("generate outside any tree starts one in the working directory and says so; from a subdirectory every command acts on it", async () => {
    const repo = await userRepo("https://github.com/example/gitops.git");
    await mkdir(path.join(repo, "envs"));
    await writeFile(path.join(repo, "envs/staging.yaml"), STAGING.replace(/, worker: \{ tag: "0.3.0" \}/, "").replace("replicas: { worker: 3 }\n", ""));
    // --env-file is relative to where the user stands, and recorded relative to the tree.
    const first = await runCli(["generate", "--env-file", "envs/staging.yaml"], { cwd: repo });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout.split("\n")[0]).toBe(`no tree in ${repo} or above: started a new one there`);
    const record = JSON.parse(await readFile(path.join(repo, ".argusai-kustomize.json"), "utf8")) as { environments: unknown[] };
    expect(record.environments).toContainEqual({ file: "envs/staging.yaml", name: "staging" });

    const before = await snapshotRepository(repo);
    for (const sub of ["envs", "overlays/staging"]) {
      const cwd = path.join(repo, sub);
      expect(await runCli(["check"], { cwd })).toEqual({ code: 0, stdout: "tree is up to date\n", stderr: "" });
      const validated = await runCli(["validate", "staging", "--no-cache"], { cwd });
      expect(validated.code, validated.stderr).toBe(0);
      expect(validated.stdout).toMatch(/^overlays\/staging: \d+ objects, valid\n$/);
      const rendered = await runCli(["render", "staging"], { cwd });
      expect(rendered.code).toBe(0);
      expect(findObject(parseAll(rendered.stdout), "Deployment", "argusai-backend")["metadata"]["namespace"]).toBe("argusai-staging");
      // An env file named from here is found relative to here, and replaces the recorded one.
      const again = await runCli(["generate", ...(sub === "envs" ? ["--env-file", "staging.yaml"] : [])], { cwd });
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toMatch(/0 deleted/);
      expect(again.stdout).not.toMatch(/started a new one/);
      // Nothing new anywhere: no nested tree, the same bytes.
      expect(await snapshotRepository(repo)).toEqual(before);
    }
  });

  it("outside any tree, the reading commands say so (exit 2) instead of acting on an empty directory", async () => {
    const empty = await tempDir();
    for (const args of [["check"], ["validate"], ["render", "prod"], ["diff", "dev", "prod"]]) {
      const result = await runCli(args, { cwd: empty });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^argusai-kustomize: TREE_NOT_FOUND: .*no tree here or above .*start one with argusai-kustomize init\n$/);
    }
    expect(await snapshotRepository(empty)).toEqual(new Map());
  });
});

describe("argusai-kustomize.config.*", () => {
  for (const [name, text] of [
    ["argusai-kustomize.config.mjs", CONFIG_MJS],
    ["argusai-kustomize.config.ts", CONFIG_TS],
  ] as const) {
    it(`${name}: a component added there works in generate, check, validate, render, diff and --set-image (library and CLI)`, async () => {
      const repo = await userRepo("git@github.com:example/gitops.git");
      await writeFile(path.join(repo, name), text);
      await mkdir(path.join(repo, "envs"));
      await writeFile(path.join(repo, "envs/staging.yaml"), STAGING);
      const generated = await runCli(["generate", "--env-file", "envs/staging.yaml"], { cwd: repo });
      expect(generated.code, generated.stderr).toBe(0);
      expect(generated.stdout).toContain(
        "overlays/staging: 9 objects, namespace argusai-staging, images ghcr.io/bbengt1/argusai-backend:1.4.2 ghcr.io/bbengt1/argusai-frontend:1.4.2 ghcr.io/example/argusai-worker:0.3.0\n",
      );
      const app = parse(await readFile(path.join(repo, "argocd/staging.yaml"), "utf8")) as KObject;
      // The config's targetRevision, the origin remote as repoURL.
      expect(app["spec"]["source"]).toEqual({ repoURL: "git@github.com:example/gitops.git", targetRevision: "main", path: "overlays/staging" });

      // The library reads the same config: no components option given.
      expect(await check({ dir: repo })).toEqual([]);
      const [staging] = await validate(["staging"], { dir: repo, renderer, cache: false });
      expect(staging!.violations).toEqual([]);
      const worker = findObject((await render("staging", { dir: repo, renderer })).objects, "Deployment", "argusai-worker");
      expect(worker["spec"]["replicas"]).toBe(3);
      const diff = await diffEnvironments("staging", "prod", { dir: repo, renderer });
      expect(diff.changed).toContainEqual(expect.objectContaining({ kind: "Deployment", name: "argusai-worker", field: "spec.replicas" }));
      const bumped = await setImages([{ environment: "staging", component: "worker", version: { tag: "0.4.0" } }], { dir: repo, renderer, cache: false });
      expect(bumped.imageUpdates).toEqual([expect.objectContaining({ component: "worker", previous: { tag: "0.3.0" }, version: { tag: "0.4.0" } })]);
      expect(bumped.configFile).toBe(path.join(repo, name));

      // And the CLI's check, validate, diff and --set-image.
      expect(await runCli(["check"], { cwd: repo })).toEqual({ code: 0, stdout: "tree is up to date\n", stderr: "" });
      expect((await runCli(["validate", "staging", "--no-cache"], { cwd: repo })).code).toBe(0);
      expect((await runCli(["diff", "staging", "prod"], { cwd: repo })).stdout).toContain("Deployment/argusai-worker spec.replicas: 3 →");
      const cliBump = await runCli(["generate", "--set-image", "staging", "worker=0.5.0"], { cwd: repo });
      expect(cliBump.code, cliBump.stderr).toBe(0);
      expect(cliBump.stdout).toContain("envs/staging.yaml: staging worker 0.4.0 -> 0.5.0\n");
      expect(await readFile(path.join(repo, "envs/staging.yaml"), "utf8")).toContain('worker: { tag: "0.5.0" }');
    });
  }

  it("an option given to the library or the CLI wins over the config", async () => {
    const repo = await userRepo("https://github.com/example/gitops.git");
    await writeFile(
      path.join(repo, "argusai-kustomize.config.mjs"),
      'export default { argocd: { repoURL: "https://github.com/example/from-config.git", project: "cfg" } };\n',
    );
    const result = await generate({ dir: repo, renderer, argocd: { project: "given" } });
    expect(result.applications).toEqual([expect.objectContaining({ repoURL: "https://github.com/example/from-config.git" })]);
    const app = parse(await readFile(path.join(repo, "argocd/prod.yaml"), "utf8")) as KObject;
    expect(app["spec"]["project"]).toBe("given");
    // The record keeps what was given, never the config's values: removing them from the config takes effect.
    const record = JSON.parse(await readFile(path.join(repo, ".argusai-kustomize.json"), "utf8")) as Record<string, unknown>;
    expect(record["argocd"]).toEqual({ project: "given" });
    await writeFile(path.join(repo, "argusai-kustomize.config.mjs"), "export default {};\n");
    const drift = await check({ dir: repo });
    expect(drift.map((file) => file.path)).toEqual(["argocd/prod.yaml"]);
    expect(drift[0]!.expected).toContain("repoURL: https://github.com/example/gitops.git\n");
  });

  it.each([
    [
      "throws while loading",
      'throw new TypeError("no such setting");\n',
      /CONFIG_INVALID: .*argusai-kustomize.config.mjs:1: argusai-kustomize.config.mjs failed to load: TypeError: no such setting$/m,
    ],
    [
      "has no default export",
      "export const components = [];\n",
      /CONFIG_INVALID: .*argusai-kustomize.config.mjs: argusai-kustomize.config.mjs has no default export/,
    ],
    [
      "exports a bad config",
      "export default { compnents: [], argocd: { repoURL: 3 } };\n",
      /CONFIG_INVALID: .*does not export a valid config \(2 problem\(s\)\):\n {2}.*field argocd.repoURL: .*\n {2}.*field \(default export\): Unrecognized key: "compnents"/,
    ],
    [
      "has a bad Argo CD value",
      'export default { argocd: { repoURL: "not a url" } };\n',
      /CONFIG_INVALID: .*1 bad Argo CD setting\(s\) in the config; nothing was written:\n {2}.*argusai-kustomize.config.mjs: field argocd.repoURL: "not a url" is not a Git repository URL/,
    ],
  ])("a config that %s is the config's error (exit 2, its file named), nothing written", async (_case, text, message) => {
    const repo = await userRepo();
    await writeFile(path.join(repo, "argusai-kustomize.config.mjs"), text);
    const before = await snapshotRepository(repo);
    for (const args of [["generate"], ["check"]]) {
      const result = await runCli(args, { cwd: repo });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
    expect(await snapshotRepository(repo)).toEqual(before);
    const error = await failureOf(check({ dir: repo }));
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.location.file).toBe(path.join(repo, "argusai-kustomize.config.mjs"));
  });
});

describe("init", () => {
  it("writes the config, an example environment with the schema comment, .gitignore and a CI workflow; a second init changes nothing", async () => {
    const repo = await userRepo("https://github.com/example/gitops.git");
    const result = await runCli(["init", "--dir", "deploy"], { cwd: repo });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.split("\n").slice(0, 4)).toEqual([
      "created deploy/argusai-kustomize.config.mjs",
      "created deploy/envs/staging.yaml",
      "created deploy/.gitignore",
      "created .github/workflows/argusai-kustomize.yml",
    ]);
    expect(result.stdout).toContain("next steps:\n  1. edit deploy/envs/staging.yaml");
    const env = await readFile(path.join(repo, "deploy/envs/staging.yaml"), "utf8");
    expect(env.split("\n")[0]).toBe("# yaml-language-server: $schema=../../node_modules/argusai-kustomize/schema/environment.schema.json");
    // The schema comment points at the installed schema.
    expect(
      JSON.parse(await readFile(path.join(repo, "deploy/envs", "../../node_modules/argusai-kustomize/schema/environment.schema.json"), "utf8")),
    ).toHaveProperty("properties");
    const workflow = parse(await readFile(path.join(repo, ".github/workflows/argusai-kustomize.yml"), "utf8")) as {
      jobs: Record<string, { steps: Array<{ run?: string }> }>;
    };
    const runs = Object.values(workflow.jobs).flatMap((job) => job.steps.flatMap((step) => (step.run?.includes("argusai-kustomize") ? [step.run] : [])));
    expect(runs).toEqual(["npx argusai-kustomize check --dir deploy", "npx argusai-kustomize validate --strict --dir deploy"]);
    expect(await readFile(path.join(repo, "deploy/.gitignore"), "utf8")).toMatch(/^overlays\/\*\/secrets\.env$/m);

    // The tree it started is found from inside it, with the config it wrote.
    const generated = await runCli(["generate", "--env-file", "staging.yaml"], { cwd: path.join(repo, "deploy/envs") });
    expect(generated.code, generated.stderr).toBe(0);
    expect(generated.stdout).toContain(
      "argocd/staging.yaml: Argo CD Application argusai-staging, https://github.com/example/gitops.git path deploy/overlays/staging\n",
    );

    const before = await snapshotRepository(repo);
    const again = await runCli(["init", "--dir", "deploy"], { cwd: repo });
    expect(again.code).toBe(0);
    expect(again.stdout.split("\n").slice(0, 4)).toEqual([
      "exists  deploy/argusai-kustomize.config.mjs (left alone)",
      "exists  deploy/envs/staging.yaml (left alone)",
      "exists  deploy/.gitignore (left alone)",
      "exists  .github/workflows/argusai-kustomize.yml (left alone)",
    ]);
    expect(await snapshotRepository(repo)).toEqual(before);
  });

  it("leaves an existing file alone and names it, with the .gitignore lines it lacks", async () => {
    const repo = await userRepo();
    await writeFile(path.join(repo, ".gitignore"), "dist/\n");
    await writeFile(path.join(repo, "argusai-kustomize.config.ts"), "export default {};\n");
    const result = await init({ dir: repo });
    expect(result.files).toEqual([
      { path: path.relative(process.cwd(), path.join(repo, "argusai-kustomize.config.ts")), status: "exists" },
      { path: path.relative(process.cwd(), path.join(repo, "envs/staging.yaml")), status: "created" },
      {
        path: path.relative(process.cwd(), path.join(repo, ".gitignore")),
        status: "lacks",
        missing: ["overlays/*/secrets.env", ".argusai-kustomize.lock*", ".argusai-kustomize-staging-*", "node_modules/"],
      },
      { path: path.relative(process.cwd(), path.join(repo, ".github/workflows/argusai-kustomize.yml")), status: "created" },
    ]);
    expect(await readFile(path.join(repo, ".gitignore"), "utf8")).toBe("dist/\n");
    expect(await readFile(path.join(repo, "argusai-kustomize.config.ts"), "utf8")).toBe("export default {};\n");
  });
});

function parseAll(yaml: string): KObject[] {
  return yaml
    .split(/^---$/m)
    .map((document) => parse(document) as KObject | null)
    .filter((object): object is KObject => object !== null);
}
