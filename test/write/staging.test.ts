/**
 * The staging directory written in the background while generate verifies it: the order (every
 * other file, then the ordered directories one after another), `through` resolving only once a
 * directory's files are on disk, a failure reaching every waiter, and a stop that writes nothing more.
 */
import { existsSync } from "node:fs";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { stageInBackground, type StagedFile } from "../../src/write/staging.js";
import { writeTree } from "../../src/write/transaction.js";
import { tempDir } from "../helpers.js";

/** `count` overlays of three files each, a base and an Application per overlay, in path order. */
function treeFiles(count: number): StagedFile[] {
  const names = Array.from({ length: count }, (_, index) => `env-${String(index).padStart(3, "0")}`);
  const files = [
    ...names.map((name) => `argocd/${name}.yaml`),
    "base/kustomization.yaml",
    ...names.flatMap((name) => [`overlays/${name}/kustomization.yaml`, `overlays/${name}/namespace.yaml`, `overlays/${name}/patches/p.yaml`]),
  ];
  return files.map((file) => ({ file, text: `${file}\n`, mode: 0o644 }));
}

describe("staging in the background", () => {
  it("writes every other file first, then each ordered directory in turn; `through` resolves once its files are on disk", async () => {
    const staging = await tempDir();
    const files = treeFiles(200);
    const overlays = files.flatMap(({ file }) => (file.endsWith("/namespace.yaml") ? [path.dirname(file)] : []));
    const order = [...new Set(["overlays/env-002", "overlays/env-000", "argocd", ...overlays])];
    const there = (file: string) => existsSync(path.join(staging, file));
    // At each write: once env-002 is whole, env-000, the Applications and env-199 are still to come; the base is there.
    const whenEnv002Done: boolean[] = [];
    const staged = stageInBackground(staging, files, order, () => {
      if (whenEnv002Done.length === 0 && there("overlays/env-002/patches/p.yaml")) {
        whenEnv002Done.push(there("base/kustomization.yaml"), there("overlays/env-000"), there("argocd"), there("overlays/env-199"));
      }
    });
    const complete = (dir: string) =>
      staged.through(dir).then(() => {
        const wanted = files.filter(({ file }) => file.startsWith(`${dir}/`) || file.startsWith("base/"));
        for (const { file } of wanted) expect(there(file), file).toBe(true);
      });
    await Promise.all([complete("overlays/env-199"), complete("argocd"), complete("overlays/env-000"), complete("overlays/env-002"), staged.all()]);
    await staged.done;
    expect(whenEnv002Done).toEqual([true, false, false, false]);
    expect((await readdir(path.join(staging, "overlays"))).length).toBe(200);
  });

  it("lets the event loop run while it writes (a verify starts on the first directories)", async () => {
    const staging = await tempDir();
    const files = treeFiles(400);
    const order = files.flatMap(({ file }) => (file.endsWith("/namespace.yaml") ? [path.dirname(file)] : []));
    const staged = stageInBackground(staging, files, order, () => undefined);
    await staged.through("overlays/env-000");
    // The last overlay is not written yet when the first is there: staging goes on in slices.
    expect(existsSync(path.join(staging, "overlays/env-399"))).toBe(false);
    await staged.done;
    expect(existsSync(path.join(staging, "overlays/env-399/patches/p.yaml"))).toBe(true);
  });

  it("a failed write rejects every waiter and `done`; a stop writes nothing more", async () => {
    const staging = await tempDir();
    await mkdir(path.join(staging, "overlays"));
    // A file where a directory must go.
    await writeFile(path.join(staging, "overlays/env-001"), "in the way\n");
    const order = ["overlays/env-000", "overlays/env-001", "overlays/env-002"];
    const failing = stageInBackground(staging, treeFiles(3), order, () => undefined);
    // mkdir says EEXIST where a file is in the way.
    const error = await failing.through("overlays/env-002").then(
      () => expect.fail("a waiter past the failure resolved"),
      (reason: NodeJS.ErrnoException) => reason,
    );
    expect(error.code).toBe("EEXIST");
    await expect(failing.done).rejects.toBe(error);
    await expect(failing.all()).rejects.toBe(error);

    const stoppedDir = await tempDir();
    const stopped = stageInBackground(stoppedDir, treeFiles(400), [], () => undefined);
    const waiting = expect(stopped.all()).rejects.toThrow("staging was stopped");
    stopped.stop();
    await stopped.done;
    await waiting;
    const count = (await readdir(stoppedDir, { recursive: true })).length;
    await sleep(50);
    expect((await readdir(stoppedDir, { recursive: true })).length).toBe(count);
  });
});

describe("a verify that fails while staging goes on", () => {
  it("leaves no staging directory behind, not even one written after it was removed", async () => {
    const root = await tempDir();
    const contents = new Map(treeFiles(300).map(({ file, text }) => [file, text]));
    await expect(
      writeTree(root, async () => ({ contents, seeds: [] }), {
        verify: async () => {
          throw new Error("refused at once");
        },
      }),
    ).rejects.toThrow("refused at once");
    expect(await readdir(root)).toEqual([]);
    await sleep(50);
    expect(await readdir(root)).toEqual([]);
  });

  it("and a staging write that fails is the write failure, nothing changed", async () => {
    const root = await tempDir();
    await writeFile(path.join(root, "kept.txt"), "mine\n");
    // A file under a file: its write fails (ENOTDIR) whoever runs the test, root included.
    const contents = new Map([...treeFiles(50).map(({ file, text }): [string, string] => [file, text]), ["overlays/env-049/namespace.yaml/oops", "x\n"]]);
    let reachedFirst = false;
    const failure = writeTree(root, async () => ({ contents, seeds: [] }), {
      stagingOrder: () => ["overlays/env-000", "overlays/env-049"],
      verify: async (_staging, _planned, staged) => {
        await staged.through("overlays/env-000");
        reachedFirst = true;
        await staged.all();
      },
    });
    await expect(failure).rejects.toMatchObject({ code: "WRITE_FAILED", message: expect.stringMatching(/(ENOTDIR|EEXIST).*nothing was changed/) });
    expect(reachedFirst).toBe(true);
    expect(await readdir(root)).toEqual(["kept.txt"]);
  });
});
