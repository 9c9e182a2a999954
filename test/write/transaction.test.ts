/**
 * All-or-nothing writes: a generate killed at any step, two generates at once, and obstacles
 * found before anything moves.
 */
import { execFile, spawn } from "node:child_process";
import { hostname } from "node:os";
import { chmod, chown, cp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ArgusKustomizeError } from "../../src/errors.js";
import { devEnvironment, prodEnvironment } from "../../src/model/built-in-environments.js";
import { check, generate } from "../../src/pipeline.js";
import { JOURNAL_FILE, LOCK_FILE, STAGING_PREFIX } from "../../src/tree/layout.js";
import { readRecord } from "../../src/tree/record.js";
import { recoverTree } from "../../src/write/transaction.js";
import { renderer, runCli, snapshotTree, tempDir } from "../helpers.js";

const INDEX = path.resolve("dist/index.js");

/** The environments of the "new" tree: prod pinned to 2.0.0, dev dropped, qa added. */
const NEW_ENVIRONMENTS = `[
  prodEnvironment({ image: { tag: "2.0.0" } }),
  { name: "qa", namespace: "argusai-qa", secret: { mode: "existing" }, storage: { size: "5Gi" } },
]`;

/** Runs generate in a child process (so it can be SIGKILLed), optionally killing itself at a step. */
function generateInChild(dir: string, killAt?: number): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  const script = `
    import { generate, prodEnvironment } from ${JSON.stringify(INDEX)};
    await generate({ dir: ${JSON.stringify(dir)}, environments: ${NEW_ENVIRONMENTS} });
  `;
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ["--input-type=module", "-e", script],
      { env: { ...process.env, ARGUSAI_KUSTOMIZE_KILL_AT: killAt === undefined ? "" : String(killAt), KUBECTL: renderer.binary } },
      (_error, _stdout, stderr) => resolve({ code: child.exitCode, signal: child.signalCode, stderr }),
    );
  });
}

describe("a generate killed at any step", () => {
  it("leaves the tree wholly old or wholly new, never mixed", async () => {
    const oldTree = await tempDir();
    await generate({ dir: oldTree, environments: [devEnvironment(), prodEnvironment()], renderer });
    const oldSnapshot = await snapshotTree(oldTree);

    const newTree = await tempDir();
    await cp(oldTree, newTree, { recursive: true });
    const finished = await generateInChild(newTree);
    expect(finished.code, finished.stderr).toBe(0);
    const newSnapshot = await snapshotTree(newTree);
    expect(newSnapshot).not.toEqual(oldSnapshot);

    const outcomes: string[] = [];
    // Steps: each staged file, the journal, each move, each deletion; past the last, none is killed.
    for (let step = 1; ; step += 1) {
      const dir = await tempDir();
      await cp(oldTree, dir, { recursive: true });
      const run = await generateInChild(dir, step);
      if (run.signal === null) {
        expect(run.code, run.stderr).toBe(0);
        break;
      }
      expect(run.signal).toBe("SIGKILL");
      const interrupted = (await readdir(dir)).includes(JOURNAL_FILE);
      if (interrupted) {
        // check sees the interruption and fails, instead of calling a half tree up to date.
        expect((await check({ dir })).some((drift) => drift.status === "interrupted")).toBe(true);
      }
      expect(await recoverTree(dir)).toBe(interrupted);
      const after = await snapshotTree(dir);
      const outcome = sameTree(after, oldSnapshot) ? "old" : sameTree(after, newSnapshot) ? "new" : "mixed";
      outcomes.push(`${step}:${outcome}`);
      expect(outcome, `killed at step ${step}`).not.toBe("mixed");
      expect((await readdir(dir)).filter((entry) => entry.startsWith(".argusai-kustomize") && entry !== ".argusai-kustomize.json")).toEqual([]);
    }
    // The kill points covered both sides of the commit.
    expect(outcomes.some((outcome) => outcome.endsWith(":old"))).toBe(true);
    expect(outcomes.some((outcome) => outcome.endsWith(":new"))).toBe(true);
    expect(outcomes.length).toBeGreaterThan(15);
  }, 120_000);
});

function sameTree(a: Map<string, string>, b: Map<string, string>): boolean {
  return a.size === b.size && [...a].every(([file, text]) => b.get(file) === text);
}

describe("two generates at once", () => {
  it("serialize on the lock and leave a consistent tree", async () => {
    const dir = await tempDir();
    await generate({ dir, environments: [devEnvironment(), prodEnvironment()], renderer });
    const [first, second] = await Promise.all([generateInChild(dir), generateInChild(dir)]);
    expect(first.code, first.stderr).toBe(0);
    expect(second.code, second.stderr).toBe(0);
    expect(await check({ dir })).toEqual([]);
    expect((await readdir(dir)).filter((entry) => entry.startsWith(STAGING_PREFIX) || entry === LOCK_FILE || entry === JOURNAL_FILE)).toEqual([]);
  });

  it("each build on the other's result: two runs adding different environments keep both", async () => {
    const dir = await tempDir();
    await generate({ dir, renderer });
    const files = await tempDir();
    const envFile = async (name: string) => {
      const file = path.join(files, `${name}.yaml`);
      await writeFile(file, `name: ${name}\nnamespace: argusai-${name}\nsecret: { mode: existing }\n`);
      return file;
    };
    const cli = (file: string) => runCli(["generate", "--dir", dir, "--env-file", file]);
    const [qa, uat] = await Promise.all([cli(await envFile("qa")), cli(await envFile("uat"))]);
    expect(qa.code, qa.stderr).toBe(0);
    expect(uat.code, uat.stderr).toBe(0);
    const names = (await readRecord(dir)).environments.map((entry) => ("builtin" in entry ? entry.builtin : "name" in entry ? entry.name : "?"));
    expect(names.sort()).toEqual(["dev", "prod", "qa", "uat"]);
    expect(await check({ dir })).toEqual([]);
  });

  it.each([
    ["a dead process", `${2 ** 22 + 1} ${hostname()} 1\n`], // above Linux's pid_max: no process has it
    ["this very process (a pid reused in a new container)", `${process.pid} ${hostname()} 1\n`],
    ["a live pid now running another program", `1 ${hostname()} 999999999999\n`],
    ["nothing readable", "garbage\n"],
  ])("takes over a lock held by %s", async (_, lock) => {
    const dir = await tempDir();
    await generate({ dir, renderer });
    await writeFile(path.join(dir, LOCK_FILE), lock);
    const result = await generate({ dir, environments: [devEnvironment(), prodEnvironment({ image: { tag: "3.0.0" } })], renderer, lockTimeoutMs: 2000 });
    expect(result.written).toContain("overlays/prod/kustomization.yaml");
    expect(await readdir(dir)).not.toContain(LOCK_FILE);
  });

  it("waits for a lock held on another host, which it cannot check", async () => {
    const dir = await tempDir();
    await generate({ dir, renderer });
    await writeFile(path.join(dir, LOCK_FILE), `${2 ** 22 + 1} some-other-host 1\n`);
    await expect(generate({ dir, renderer, environments: [devEnvironment()], lockTimeoutMs: 300 })).rejects.toThrow(/another generate \(\d+ some-other-host 1\)/);
  });

  it("gives up with WRITE_FAILED when a live generate holds the lock too long", async () => {
    const dir = await tempDir();
    await generate({ dir, renderer });
    const holder = spawn("sleep", ["30"]);
    await writeFile(path.join(dir, LOCK_FILE), `${holder.pid}\n`);
    const before = await snapshotTree(dir);
    const error = await generate({ dir, renderer, environments: [devEnvironment()], lockTimeoutMs: 500 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    holder.kill();
    await rm(path.join(dir, LOCK_FILE));
    expect(error).toBeInstanceOf(ArgusKustomizeError);
    expect((error as ArgusKustomizeError).code).toBe("WRITE_FAILED");
    expect((error as ArgusKustomizeError).message).toMatch(/another generate \(\d+\) is writing .*If no generate is running .*, delete .*\.argusai-kustomize\.lock/);
    before.delete(LOCK_FILE);
    expect(await snapshotTree(dir)).toEqual(before);
  });
});

describe("obstacles are found before anything moves", () => {
  it("a file where generate needs a directory fails with WRITE_FAILED and changes nothing", async () => {
    const dir = await tempDir();
    await generate({ dir, renderer });
    // Edits that the failed run would otherwise have overwritten first.
    await writeFile(path.join(dir, "overlays/dev/kustomization.yaml"), "# edited\n");
    await rm(path.join(dir, "overlays/dev/patches"), { recursive: true });
    await writeFile(path.join(dir, "overlays/dev/patches"), "not a directory\n");
    const before = await snapshotTree(dir);
    const error = await generate({ dir, renderer }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as ArgusKustomizeError).code).toBe("WRITE_FAILED");
    expect((error as ArgusKustomizeError).message).toMatch(/overlays\/dev\/patches is a file, but generate needs a directory there/);
    expect(await snapshotTree(dir)).toEqual(before);
  });

  it("a read-only overlay directory fails before the commit, as another user, and changes nothing", async () => {
    const parent = await tempDir();
    await chmod(parent, 0o755);
    const dir = path.join(parent, "tree");
    await generate({ dir, renderer });
    // Root writes through any mode bits: as root, hand the tree to nobody and run generate as nobody.
    if (process.getuid?.() === 0) {
      for (const file of ["", ...(await readdir(dir, { recursive: true }))]) await chown(path.join(dir, file), 65534, 65534);
    }
    await chmod(path.join(dir, "overlays/prod"), 0o555);
    const before = await snapshotTree(dir);
    const files = await tempDir();
    await chmod(files, 0o755);
    const prodFile = path.join(files, "prod.yaml");
    await writeFile(prodFile, JSON.stringify(prodEnvironment({ image: { tag: "2.0.0" } })));
    const devFile = path.join(files, "dev.yaml");
    await writeFile(devFile, JSON.stringify({ ...devEnvironment(), config: { LOG_LEVEL: "WARNING" } }));
    const result = await runCli(["generate", "--dir", dir, "--env-file", devFile, "--env-file", prodFile], { asNobody: true, env: { HOME: parent } });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(/WRITE_FAILED: .*overlays\/prod is not writable \(EACCES\), and generate must change overlays\/prod\/kustomization.yaml there; nothing was changed/);
    const after = await snapshotTree(dir);
    after.delete(".argusai-kustomize.lock");
    expect(after).toEqual(before);
  });

  it("never writes or deletes through a symbolic link out of the tree", async () => {
    const dir = await tempDir();
    const outside = await tempDir();
    await writeFile(path.join(outside, "kustomization.yaml"), "# not ours\n");
    await generate({ dir, renderer, environments: [devEnvironment()] });
    await symlink(outside, path.join(dir, "overlays", "prod"));
    const error = await generate({ dir, renderer, environments: [devEnvironment(), prodEnvironment()] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as ArgusKustomizeError).code).toBe("WRITE_FAILED");
    expect((error as ArgusKustomizeError).message).toMatch(/overlays\/prod is a symbolic link; generate does not write through links/);
    expect(await readdir(outside)).toEqual(["kustomization.yaml"]);
  });

  it("a failed first generate removes the directory it created, but only while empty", async () => {
    const parent = await tempDir();
    const failing = { ...renderer, binary: "/nonexistent/kubectl" };
    await expect(generate({ dir: path.join(parent, "new", "tree"), renderer: failing })).rejects.toThrow(ArgusKustomizeError);
    expect(await readdir(parent)).toEqual([]);
    // A shared parent that another tree was written into meanwhile stays, with that tree.
    await generate({ dir: path.join(parent, "deploy", "b"), renderer, environments: [prodEnvironment()] });
    await expect(generate({ dir: path.join(parent, "deploy", "a"), renderer: failing })).rejects.toThrow(ArgusKustomizeError);
    expect(await readdir(path.join(parent, "deploy"))).toEqual(["b"]);
  });

  it("never deletes a seed, even one a damaged record lists among its files", async () => {
    const dir = await tempDir();
    await generate({ dir, renderer });
    const recordFile = path.join(dir, ".argusai-kustomize.json");
    const record = JSON.parse(await readFile(recordFile, "utf8")) as { files: string[] };
    await writeFile(recordFile, JSON.stringify({ ...record, files: [...record.files, "overlays/dev/secrets.env"] }));
    const secrets = await readFile(path.join(dir, "overlays/dev/secrets.env"), "utf8");
    // check does not show the secret in a diff, generate does not delete it.
    expect((await check({ dir })).map((drift) => drift.path)).toEqual([".argusai-kustomize.json"]);
    const result = await generate({ dir, renderer, removeEnvironments: ["dev"] });
    expect(result.deleted).not.toContain("overlays/dev/secrets.env");
    expect(await readFile(path.join(dir, "overlays/dev/secrets.env"), "utf8")).toBe(secrets);
  });

  it("re-running a command that was killed mid-swap finishes it", async () => {
    const dir = await tempDir();
    await generate({ dir, renderer });
    const script = `
      import { generate } from ${JSON.stringify(INDEX)};
      await generate({ dir: ${JSON.stringify(dir)}, removeEnvironments: ["dev"] });
    `;
    const kill = (killAt: string) =>
      new Promise<string | null>((resolve) => {
        const child = execFile(process.execPath, ["--input-type=module", "-e", script], { env: { ...process.env, ARGUSAI_KUSTOMIZE_KILL_AT: killAt, KUBECTL: renderer.binary } }, () =>
          resolve(child.signalCode),
        );
      });
    // 10 staged files, the journal (11), the record moved (12), one deletion (13): then killed.
    expect(await kill("13")).toBe("SIGKILL");
    expect(await readdir(dir)).toContain(JOURNAL_FILE);
    await expect(generate({ dir, renderer, removeEnvironments: ["dev"] })).rejects.toThrow(/there is no environment "dev" to remove \(have: prod\)/);
    expect(await readdir(dir)).not.toContain(JOURNAL_FILE);
    expect(await check({ dir })).toEqual([]);
  });
});
