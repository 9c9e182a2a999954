/**
 * A new user's GitOps repository, end to end, from the packed tarball: a fresh git repository with
 * an `origin`, the package installed, `init`, a config adding a component (.mjs, then .ts), an
 * environment using it with Argo CD on; the Application points at that origin and the tree's path;
 * every command run from a subdirectory acts on the tree; a copy without `.git` still checks clean.
 */
import { execFileSync } from "node:child_process";
import { cp, mkdir, readdir, readFile, rename, rm, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { tempDir, WORKER_COMPONENT_SOURCE, type KObject } from "../helpers.js";
import { run } from "./alpine.js";
import { copyOfInstalledProject } from "./packed.js";

const ORIGIN = "https://github.com/example/argusai-gitops.git";

const WORKER = WORKER_COMPONENT_SOURCE;
const CONFIG_MJS = `import { ARGUSAI_COMPONENTS, defineComponent, defineConfig } from "argusai-kustomize";\nexport default defineConfig({ components: [...ARGUSAI_COMPONENTS, ${WORKER}] });\n`;
const CONFIG_TS = `import { ARGUSAI_COMPONENTS, defineComponent, defineConfig, type ArgusConfig } from "argusai-kustomize";\nconst config: ArgusConfig = defineConfig({ components: [...ARGUSAI_COMPONENTS, ${WORKER}] });\nexport default config;\n`;

let repo: string;
/** The installed bin (through its shebang, as a CI step or a shell runs it); npx is used where a user types it first (init, generate). */
const cli = (args: readonly string[], cwd: string) => run([path.join(repo, "node_modules/.bin/argusai-kustomize"), ...args], { cwd });
const npx = (args: readonly string[], cwd: string) => run(["npx", "--no-install", "argusai-kustomize", ...args], { cwd });

/** Every file but git's own and the installed packages. */
async function snapshot(root: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const walk = async (relative: string): Promise<void> => {
    for (const entry of await readdir(path.join(root, relative), { withFileTypes: true })) {
      const child = relative === "" ? entry.name : `${relative}/${entry.name}`;
      if (entry.name === ".git" || entry.name === "node_modules") continue;
      if (entry.isDirectory()) await walk(child);
      else files.set(child, await readFile(path.join(root, child), "utf8"));
    }
  };
  await walk("");
  return files;
}

async function application(dir: string, environment: string): Promise<KObject> {
  return parse(await readFile(path.join(dir, `argocd/${environment}.yaml`), "utf8")) as KObject;
}

beforeAll(async () => {
  repo = await tempDir("argusai-user-gitops-");
  // The tarball installed with npm install -D (made once per run and copied), then a Git repository with an origin.
  await copyOfInstalledProject(repo);
  execFileSync("git", ["init", "-q", repo]);
  execFileSync("git", ["-C", repo, "remote", "add", "origin", ORIGIN]);
  await writeFile(path.join(repo, "package.json"), `${JSON.stringify({ name: "my-gitops", version: "1.0.0", private: true }, null, 2)}\n`);
}, 180_000);

describe("a user's GitOps repository, from the packed tarball", () => {
  it("init, a config adding a component, an environment using it with Argo CD on: generate points at origin; subdirectories act on the tree", async () => {
    const started = await npx(["init"], repo);
    expect(started.code, started.stderr).toBe(0);
    expect(started.stdout).toMatch(
      /^created argusai-kustomize.config.mjs\ncreated envs\/staging.yaml\ncreated .gitignore\ncreated .github\/workflows\/argusai-kustomize.yml\n/,
    );
    expect((await readFile(path.join(repo, "envs/staging.yaml"), "utf8")).split("\n")[0]).toBe(
      "# yaml-language-server: $schema=../node_modules/argusai-kustomize/schema/environment.schema.json",
    );

    await writeFile(path.join(repo, "argusai-kustomize.config.mjs"), CONFIG_MJS);
    const env = (await readFile(path.join(repo, "envs/staging.yaml"), "utf8"))
      .replace('  frontend: { tag: "1.4.2" }\n', '  frontend: { tag: "1.4.2" }\n  worker: { tag: "0.3.0" }\n')
      .replace("replicas:\n", "replicas:\n  worker: 3\n");
    await writeFile(path.join(repo, "envs/staging.yaml"), env);
    const generated = await npx(["generate", "--env-file", "envs/staging.yaml"], repo);
    expect(generated.code, generated.stderr).toBe(0);
    expect(generated.stdout).toContain(
      "images ghcr.io/bbengt1/argusai-backend:1.4.2 ghcr.io/bbengt1/argusai-frontend:1.4.2 ghcr.io/example/argusai-worker:0.3.0\n",
    );
    expect((await application(repo, "staging"))["spec"]["source"]).toEqual({ repoURL: ORIGIN, targetRevision: "HEAD", path: "overlays/staging" });
    expect((await application(repo, "prod"))["spec"]["source"]["repoURL"]).toBe(ORIGIN);
    // The record keeps no derived repoURL among the options: a new origin is picked up.
    const record = JSON.parse(await readFile(path.join(repo, ".argusai-kustomize.json"), "utf8")) as Record<string, unknown>;
    expect(record["argocd"]).toBeUndefined();
    expect(record["source"]).toEqual({ repoURL: ORIGIN, path: "" });

    const committed = await snapshot(repo);
    for (const sub of ["envs", "overlays/staging"]) {
      const cwd = path.join(repo, sub);
      expect(await cli(["check"], cwd)).toEqual({ code: 0, stdout: "tree is up to date\n", stderr: "" });
      const validated = await cli(["validate", "staging", "--strict"], cwd);
      expect(validated.code, validated.stderr).toBe(0);
      const rendered = await cli(["render", "staging"], cwd);
      expect(rendered.code).toBe(0);
      expect(rendered.stdout).toContain("name: argusai-worker\n");
      const again = await cli(["generate"], cwd);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toMatch(/0 file\(s\) written, \d+ unchanged, 0 deleted/);
      expect(await snapshot(repo)).toEqual(committed);
    }

    // The same config in TypeScript, loaded by the installed package on this Node.
    await rm(path.join(repo, "argusai-kustomize.config.mjs"));
    await writeFile(path.join(repo, "argusai-kustomize.config.ts"), CONFIG_TS);
    expect(await cli(["check"], path.join(repo, "envs"))).toEqual({ code: 0, stdout: "tree is up to date\n", stderr: "" });
    const ts = await cli(["generate", "--set-image", "staging", "worker=0.4.0"], repo);
    expect(ts.code, ts.stderr).toBe(0);
    expect(ts.stdout).toContain("envs/staging.yaml: staging worker 0.3.0 -> 0.4.0\n");
  });

  it("the same tree in deploy/, then copied without .git, still checks clean", async () => {
    await mkdir(path.join(repo, "deploy"));
    for (const entry of [".argusai-kustomize.json", "argusai-kustomize.config.ts", "envs", "base", "overlays", "argocd"]) {
      await rename(path.join(repo, entry), path.join(repo, "deploy", entry));
    }
    const moved = await cli(["generate", "--dir", "deploy"], repo);
    expect(moved.code, moved.stderr).toBe(0);
    expect((await application(path.join(repo, "deploy"), "staging"))["spec"]["source"]).toEqual({
      repoURL: ORIGIN,
      targetRevision: "HEAD",
      path: "deploy/overlays/staging",
    });
    expect(await cli(["check"], path.join(repo, "deploy/overlays"))).toEqual({ code: 0, stdout: "tree is up to date\n", stderr: "" });

    // An export: the tree alone, no .git anywhere above it (its config still finds the package).
    const exported = path.join(await tempDir("argusai-export-"), "deploy");
    await cp(path.join(repo, "deploy"), exported, { recursive: true });
    await symlink(path.join(repo, "node_modules"), path.join(exported, "node_modules"));
    const bin = path.join(repo, "node_modules/.bin/argusai-kustomize");
    expect(await run([bin, "check"], { cwd: exported })).toEqual({ code: 0, stdout: "tree is up to date\n", stderr: "" });
    expect(await run([bin, "check", "--dir", exported], { cwd: repo })).toEqual({ code: 0, stdout: "tree is up to date\n", stderr: "" });
  });
});
