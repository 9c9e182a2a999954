/**
 * The packed package as a GitOps repo uses it: `npm pack`, installed into an empty repo, then the
 * example CI workflow's own commands run there as an Alpine CI image runs them (BusyBox sh and
 * env; see alpine.ts). Also: `npm ci --omit=dev` in a clone survives `prepare`.
 */
import { cp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { PLACEHOLDER_WARNINGS, tempDir } from "../helpers.js";
import { readmeLinks } from "./markdown.js";
import { copyOfInstalledProject, NPM_QUIET } from "./packed.js";
import { BUSYBOX, inAlpineNamespace, NAMESPACE_UNAVAILABLE, run, type Run } from "./alpine.js";

const WORKFLOW = path.resolve("examples/gitops-ci/argusai-kustomize.yml");
/**
 * How a workflow step's `run:` is executed: in the Alpine-like namespace where the kernel hands
 * every shebang to BusyBox (CI runs as root); else BusyBox sh, where only the shell is BusyBox.
 */
const busybox = BUSYBOX;
const shell: { name: string; run(line: string, cwd: string): Promise<Run> } =
  NAMESPACE_UNAVAILABLE === undefined
    ? { name: "Alpine-like namespace (BusyBox /bin/sh and /usr/bin/env)", run: (line, cwd) => inAlpineNamespace(["/bin/sh", "-c", line], { cwd }) }
    : busybox !== undefined
      ? { name: `busybox sh (${NAMESPACE_UNAVAILABLE})`, run: (line, cwd) => run([busybox, "sh", "-c", line], { cwd }) }
      : { name: "/bin/sh (busybox is not installed)", run: (line, cwd) => run(["/bin/sh", "-c", line], { cwd }) };

/** The `run:` lines of the workflow's steps that call argusai-kustomize, in order. */
async function workflowCommands(): Promise<string[]> {
  const workflow = parse(await readFile(WORKFLOW, "utf8")) as { jobs: Record<string, { steps: Array<{ run?: string }> }> };
  return Object.values(workflow.jobs).flatMap((job) => job.steps.flatMap((step) => (step.run?.includes("argusai-kustomize") ? [step.run.trim()] : [])));
}

let repo: string;

beforeAll(async () => {
  // An empty GitOps repo with the tarball installed (npm install -D, made once per run and copied).
  repo = await tempDir("argusai-gitops-repo-");
  await copyOfInstalledProject(repo);
  await writeFile(path.join(repo, "package.json"), `${JSON.stringify({ name: "gitops-repo", version: "1.0.0", private: true, type: "module" }, null, 2)}\n`);
}, 120_000);

describe(`the packed package in an empty GitOps repo, workflow steps run by ${shell.name}`, () => {
  it("the example workflow runs exactly check and validate through npx", async () => {
    expect(await workflowCommands()).toEqual(["npx argusai-kustomize check", "npx argusai-kustomize validate"]);
  });

  it("generate (from the shipped example env file), then the workflow's commands pass", async () => {
    // What the repo's author does once and commits: a staging environment from the shipped example.
    await mkdir(path.join(repo, "envs"));
    await cp(path.join(repo, "node_modules/argusai-kustomize/examples/staging.yaml"), path.join(repo, "envs/staging.yaml"));
    const generated = await shell.run("npx argusai-kustomize generate --env-file envs/staging.yaml", repo);
    expect(generated.stderr).toBe(PLACEHOLDER_WARNINGS);
    expect(generated.code).toBe(0);
    expect(generated.stdout).toMatch(/^overlays\/staging: \d+ objects, namespace argusai-staging/m);

    // CI checks out what was committed: dev's generated secrets.env is git-ignored, so it is not there.
    expect(await readFile(path.join(repo, "overlays/dev/.gitignore"), "utf8")).toMatch(/^\/?secrets\.env$/m);
    await rm(path.join(repo, "overlays/dev/secrets.env"));

    const [check, validate] = await workflowCommands();
    expect(await shell.run(check!, repo)).toEqual({ code: 0, stdout: "tree is up to date\n", stderr: "" });
    const validated = await shell.run(validate!, repo);
    expect(validated.stderr).toBe(PLACEHOLDER_WARNINGS);
    expect(validated.code).toBe(0);
    expect(
      validated.stdout
        .split("\n")
        .filter(Boolean)
        .map((line) => line.replace(/: \d+ objects,/, ":")),
    ).toEqual(["overlays/dev: valid (with placeholder overlays/dev/secrets.env: none on this machine)", "overlays/prod: valid", "overlays/staging: valid"]);

    // The point of the workflow: a hand edit of a generated file fails CI with a diff.
    const prod = path.join(repo, "overlays/prod/kustomization.yaml");
    const committed = await readFile(prod, "utf8");
    await writeFile(prod, committed.replace(/^namespace: argusai$/m, "namespace: argusai-edited"));
    const drift = await shell.run(check!, repo);
    expect(drift.code).toBe(1);
    expect(drift.stdout).toContain("-namespace: argusai-edited\n+namespace: argusai\n");
    expect(drift.stderr).toMatch(
      /^1 file\(s\) differ from what generate would write: overlays\/prod\/kustomization.yaml \(changed\); run argusai-kustomize generate\n/,
    );
    // And it says where the change belongs instead.
    expect(drift.stderr).toMatch(/^hint: overlays\/prod\/kustomization.yaml is generated from the built-in prod environment/m);
    await writeFile(prod, committed);
  });

  it("bumps an image with --set-image, compares environments with diff, and speaks JSON, all from the package", async () => {
    // Needs the repo the previous test generated (envs/staging.yaml recorded).
    const bumped = await shell.run("npx argusai-kustomize generate --set-image staging backend=1.4.3 --json", repo);
    expect(bumped.code, bumped.stderr).toBe(0);
    const generated = JSON.parse(bumped.stdout) as {
      command: string;
      ok: boolean;
      imageUpdates: Array<{ environment: string; component: string; file: string; from: unknown; to: unknown }>;
    };
    expect(generated).toMatchObject({ command: "generate", ok: true });
    expect(generated.imageUpdates).toEqual([
      { environment: "staging", component: "backend", file: "envs/staging.yaml", from: { tag: "1.4.2" }, to: { tag: "1.4.3" } },
    ]);
    expect(await readFile(path.join(repo, "envs/staging.yaml"), "utf8")).toContain('backend: { tag: "1.4.3" }');

    const checked = await shell.run("npx argusai-kustomize check --json", repo);
    expect(checked.code).toBe(0);
    expect(JSON.parse(checked.stdout)).toEqual({ command: "check", ok: true, dir: ".", drift: [], upgrades: [] });

    const compared = await shell.run("npx argusai-kustomize diff staging prod --json", repo);
    expect(compared.code, compared.stderr).toBe(0);
    const diff = JSON.parse(compared.stdout) as {
      command: string;
      ok: boolean;
      from: string;
      to: string;
      changed: Array<{ kind: string; name: string; field: string }>;
    };
    expect(diff).toMatchObject({ command: "diff", ok: true, from: "staging", to: "prod" });
    // prod runs the placeholder version where staging runs 1.4.3: the backend's image differs.
    expect(diff.changed).toContainEqual(
      expect.objectContaining({ kind: "Deployment", name: "argusai-backend", field: "spec.template.spec.containers[backend].image" }),
    );
  });

  it("exports the library, the JSON Schema and package.json; README links resolve in the package", async () => {
    const script = [
      'import { generate, environmentSpecSchema } from "argusai-kustomize";',
      'import schema from "argusai-kustomize/schema/environment.schema.json" with { type: "json" };',
      'import pkg from "argusai-kustomize/package.json" with { type: "json" };',
      "console.log(JSON.stringify({ generate: typeof generate, zod: typeof environmentSpecSchema.safeParse, required: schema.required, license: pkg.license }));",
    ].join("\n");
    await writeFile(path.join(repo, "imports.mjs"), script);
    const imported = await run([process.execPath, "imports.mjs"], { cwd: repo });
    expect(imported.stderr).toBe("");
    expect(JSON.parse(imported.stdout)).toEqual({ generate: "function", zod: "function", required: ["name", "namespace", "secret"], license: "MIT" });

    const installed = path.join(repo, "node_modules/argusai-kustomize");
    const links = readmeLinks(await readFile(path.join(installed, "README.md"), "utf8"));
    expect(links.length).toBeGreaterThan(0);
    const missing: string[] = [];
    for (const link of links) {
      await readFile(path.join(installed, link)).catch(() => missing.push(link));
    }
    expect(missing, "README links to files the tarball does not ship").toEqual([]);
    expect(await readFile(path.join(installed, "LICENSE"), "utf8")).toMatch(/^MIT License\n/);
  });
});

describe("npm ci --omit=dev in a clone", () => {
  it("does not fail on prepare (no typescript there), and says why nothing was built", async () => {
    const clone = await tempDir("argusai-clone-");
    // What prepare can reach in a clone: the manifest, the lock file and scripts/.
    for (const entry of ["package.json", "package-lock.json", "scripts"]) await cp(entry, path.join(clone, entry), { recursive: true });
    const installed = await run(["npm", "ci", "--omit=dev", ...NPM_QUIET.filter((option) => option !== "--loglevel=error")], { cwd: clone });
    expect(installed.stderr).toContain("argusai-kustomize prepare: typescript and esbuild not installed (devDependencies omitted?)");
    expect(installed.code).toBe(0);
  });
});
