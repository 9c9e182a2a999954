/**
 * All-or-nothing writes in this process: two writes at once (each holding the lock under its own
 * token), locks left by processes that are gone or held elsewhere, and obstacles found before
 * anything moves. Killed, stopped and racing processes are in transaction-processes.system.test.ts.
 */
import { spawn } from "node:child_process";
import { hostname } from "node:os";
import { chmod, chown, cp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ArgusKustomizeError } from "../../src/errors.js";
import { devEnvironment, prodEnvironment } from "../../src/model/built-in-environments.js";
import { check, generate } from "../../src/index.js";
import { LOCK_FILE } from "../../src/tree/layout.js";
import { writeTree } from "../../src/write/transaction.js";
import { renderer, runCli, snapshotTree, tempDir } from "../helpers.js";
import { freshTree, leftovers, NEW_ENVIRONMENTS, OTHER_ENVIRONMENTS, outcomeOf, planFor, sameTree } from "./transaction-fixtures.js";

describe("two generates at once", () => {
  it("in one process serialize too (each call holds the lock under its own token)", async () => {
    const plans = [
      await planFor({ dir: await freshTree(), environments: NEW_ENVIRONMENTS }),
      await planFor({ dir: await freshTree(), environments: OTHER_ENVIRONMENTS }),
    ];
    const results = await Promise.all(plans.map(async (plan) => (await outcomeOf(plan)).snapshot));
    const dir = await freshTree();
    await Promise.all([0, 1, 0, 1].map((index) => writeTree(dir, async () => plans[index]!)));
    const after = await snapshotTree(dir);
    expect(results.some((result) => sameTree(after, result))).toBe(true);
    expect(await leftovers(dir)).toEqual([]);
  });

  it.each([
    ["a dead process", `${2 ** 22 + 1} ${hostname()} 1\n`], // above Linux's pid_max: no process has it
    ["this very process (a pid reused in a new container)", `${process.pid} ${hostname()} 1\n`],
    ["this very process, with a token it does not hold", `${process.pid} ${hostname()} ? 0123456789ab\n`],
    ["a live pid now running another program", `1 ${hostname()} 999999999999\n`],
    ["nothing readable", "garbage\n"],
  ])("takes over a lock held by %s", async (_, lock) => {
    const dir = await freshTree();
    await writeFile(path.join(dir, LOCK_FILE), lock);
    const result = await writeTree(dir, async () => planFor({ dir, environments: OTHER_ENVIRONMENTS }), { lockTimeoutMs: 2000 });
    expect(result.written).toContain("overlays/prod/kustomization.yaml");
    expect(await leftovers(dir)).toEqual([]);
  });

  it("removes lock candidates of processes that are gone, never a live one's", async () => {
    const dir = await freshTree();
    const dead = `${LOCK_FILE}.${2 ** 22 + 1}.1.deadbeef`;
    const reused = `${LOCK_FILE}.1.999999999999.cafe`; // pid 1, but started at another time
    const holder = spawn("sleep", ["30"]);
    // A live process's candidate, still empty as while it is being written.
    const live = `${LOCK_FILE}.${holder.pid}.?.0badcafe`;
    for (const file of [dead, reused, live]) await writeFile(path.join(dir, file), "");
    try {
      await writeTree(dir, async () => planFor({ dir, environments: OTHER_ENVIRONMENTS }));
      expect(await leftovers(dir)).toEqual([live]);
    } finally {
      holder.kill();
    }
  });

  it("waits for a lock held on another host, which it cannot check", async () => {
    const dir = await freshTree();
    await writeFile(path.join(dir, LOCK_FILE), `${2 ** 22 + 1} some-other-host 1\n`);
    await expect(writeTree(dir, async () => planFor({ dir }), { lockTimeoutMs: 300 })).rejects.toThrow(/another generate \(\d+ some-other-host 1\)/);
  });

  it("gives up with WRITE_FAILED when a live generate holds the lock too long", async () => {
    const dir = await freshTree();
    const holder = spawn("sleep", ["30"]);
    await writeFile(path.join(dir, LOCK_FILE), `${holder.pid}\n`);
    const before = await snapshotTree(dir);
    const error = await writeTree(dir, async () => planFor({ dir, environments: OTHER_ENVIRONMENTS }), { lockTimeoutMs: 500 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    holder.kill();
    expect(error).toBeInstanceOf(ArgusKustomizeError);
    expect((error as ArgusKustomizeError).code).toBe("WRITE_FAILED");
    expect((error as ArgusKustomizeError).message).toMatch(
      /another generate \(\d+\) is writing .*If no generate is running .*, delete .*\.argusai-kustomize\.lock/,
    );
    expect(await snapshotTree(dir)).toEqual(before);
  });
});

describe("obstacles are found before anything moves", () => {
  it("a file where generate needs a directory fails with WRITE_FAILED and changes nothing", async () => {
    const dir = await freshTree();
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
    await cp(await freshTree(), dir, { recursive: true });
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
    expect(result.stderr).toMatch(
      /WRITE_FAILED: .*overlays\/prod is not writable \(EACCES\), and generate must change overlays\/prod\/kustomization.yaml there; nothing was changed/,
    );
    expect(await snapshotTree(dir)).toEqual(before);
    expect(await leftovers(dir)).toEqual([]);
  });

  it("never writes or deletes through a symbolic link out of the tree", async () => {
    const dir = await freshTree();
    const outside = await tempDir();
    await writeFile(path.join(outside, "kustomization.yaml"), "# not ours\n");
    await rm(path.join(dir, "overlays", "prod"), { recursive: true });
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
    await cp(await freshTree(), path.join(parent, "deploy", "b"), { recursive: true });
    await expect(generate({ dir: path.join(parent, "deploy", "a"), renderer: failing })).rejects.toThrow(ArgusKustomizeError);
    expect(await readdir(path.join(parent, "deploy"))).toEqual(["b"]);
  });

  it("never deletes a seed, even one a damaged record lists among its files", async () => {
    const dir = await freshTree();
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
});
