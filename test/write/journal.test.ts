/**
 * The commit's moves: a directory the tree does not have yet is put in place by one rename, and a
 * journal rolled forward ends with the same tree whether its directories were moved before a kill,
 * cannot be moved whole (something appeared there), or are not listed (an older version's
 * journal). The flush before the journal: one `sync -f` of the file system, else an fsync per file.
 */
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { JOURNAL_FILE, RECORD_FILE, STAGING_PREFIX } from "../../src/tree/layout.js";
import { flushFiles } from "../../src/write/files.js";
import { applyJournal, rollForward, type Journal } from "../../src/write/journal.js";
import { refuseUnwritable } from "../../src/write/preflight.js";
import { writeTree } from "../../src/write/transaction.js";
import { snapshotTree, tempDir } from "../helpers.js";

/** A tree root with `existing` files, and a staging directory in it holding `staged` files. */
async function rootWithStaging(existing: Record<string, string>, staged: Record<string, string>): Promise<{ root: string; staging: string }> {
  const root = await tempDir();
  const staging = `${STAGING_PREFIX}test`;
  for (const [file, text] of Object.entries(existing)) await writeAt(root, file, text);
  for (const [file, text] of Object.entries(staged)) await writeAt(path.join(root, staging), file, text);
  return { root, staging };
}

async function writeAt(root: string, file: string, text: string): Promise<void> {
  await mkdir(path.dirname(path.join(root, file)), { recursive: true });
  await writeFile(path.join(root, file), text);
}

const QA_STAGED = { "overlays/qa/kustomization.yaml": "qa\n", "overlays/qa/patches/p.yaml": "p\n" };
const QA_FILES = Object.keys(QA_STAGED);

describe("directories the tree does not have", () => {
  it("are the highest missing directory of each file, asked once", async () => {
    const { root } = await rootWithStaging({ "base/kustomization.yaml": "", "overlays/dev/kustomization.yaml": "" }, {});
    const files = ["base/a.yaml", "overlays/dev/b.yaml", ...QA_FILES, "overlays/uat/x/y/z.yaml", "argocd/qa.yaml", RECORD_FILE];
    expect(await refuseUnwritable(root, files)).toEqual(["overlays/qa", "overlays/uat", "argocd"]);
    expect(await refuseUnwritable(root, ["base/new/deeper/file.yaml"])).toEqual(["base/new"]);
    expect(await refuseUnwritable(root, [RECORD_FILE, "base/a.yaml"])).toEqual([]);
  });

  it("a new tree's commit moves its top-level directories whole, and the record by itself", async () => {
    const root = await tempDir();
    const contents = new Map([
      ["base/kustomization.yaml", "b\n"],
      ["overlays/dev/kustomization.yaml", "d\n"],
      ["overlays/dev/patches/p.yaml", "p\n"],
      [RECORD_FILE, "{}\n"],
    ]);
    let journal: Journal | undefined;
    const seeds = [{ path: "overlays/dev/secrets.env", create: () => "s=1\n" }];
    await writeTree(root, async () => ({ contents, seeds }), {
      onStep: (step) => {
        // The step after the last staged file (and seed) is the journal's commit, before anything moves.
        if (step === contents.size + seeds.length + 1) journal = JSON.parse(readFileSync(path.join(root, JOURNAL_FILE), "utf8")) as Journal;
      },
    });
    expect(journal?.directories).toEqual(["base", "overlays"]);
    // Every file is still listed one by one: the directories only speed the moves up.
    expect(journal?.moves).toEqual([...contents.keys()].filter((file) => file !== RECORD_FILE).concat(RECORD_FILE));
    expect(journal?.seeds).toEqual(["overlays/dev/secrets.env"]);
    const tree = await snapshotTree(root);
    expect([...tree.keys()].sort()).toEqual([...contents.keys(), "overlays/dev/secrets.env"].sort());
    expect(tree.get("overlays/dev/patches/p.yaml")).toBe("p\n");
  });
});

describe("a journal rolled forward", () => {
  /** Commits a journal of the QA files in `root` (written as generate writes it, read back by the roll-forward). */
  async function committed(root: string, staging: string, extra: Partial<Journal> = {}): Promise<Journal> {
    const journal: Journal = { staging, moves: QA_FILES, seeds: [], deletes: [], ...extra };
    await writeFile(path.join(root, JOURNAL_FILE), JSON.stringify(journal));
    return journal;
  }

  it("moves a new directory whole: one step", async () => {
    const { root, staging } = await rootWithStaging({ "overlays/dev/kustomization.yaml": "dev\n" }, QA_STAGED);
    let steps = 0;
    await applyJournal(root, await committed(root, staging, { directories: ["overlays/qa"] }), () => (steps += 1));
    expect(steps).toBe(1);
    expect(await snapshotTree(root)).toEqual(new Map([["overlays/dev/kustomization.yaml", "dev\n"], ...Object.entries(QA_STAGED)]));
  });

  it("moves file by file into a directory that appeared meanwhile with a file of yours in it, and keeps yours", async () => {
    const { root, staging } = await rootWithStaging({ "overlays/qa/yours.txt": "mine\n" }, QA_STAGED);
    let steps = 0;
    await applyJournal(root, await committed(root, staging, { directories: ["overlays/qa"] }), () => (steps += 1));
    expect(steps).toBe(QA_FILES.length);
    expect(await snapshotTree(root)).toEqual(new Map([["overlays/qa/yours.txt", "mine\n"], ...Object.entries(QA_STAGED)]));
  });

  it("moves whole onto a directory that appeared meanwhile, empty", async () => {
    const { root, staging } = await rootWithStaging({}, QA_STAGED);
    await mkdir(path.join(root, "overlays/qa"), { recursive: true });
    await applyJournal(root, await committed(root, staging, { directories: ["overlays/qa"] }));
    expect(await snapshotTree(root)).toEqual(new Map(Object.entries(QA_STAGED)));
  });

  it("after a kill once its directory was moved, or written without `directories` (an older version's), ends with the same tree", async () => {
    const moved = await rootWithStaging(QA_STAGED, {});
    await mkdir(path.join(moved.root, moved.staging));
    await committed(moved.root, moved.staging, { directories: ["overlays/qa"] });
    const older = await rootWithStaging({}, QA_STAGED);
    await committed(older.root, older.staging);
    for (const { root } of [moved, older]) {
      expect(await rollForward(root)).toBe(true);
      expect(await snapshotTree(root)).toEqual(new Map(Object.entries(QA_STAGED)));
    }
  });
});

describe("the flush before the journal", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  /** A `sync` on PATH that logs its arguments and exits with `code`. */
  async function fakeSync(code: number): Promise<{ log: string }> {
    const bin = await tempDir();
    const log = path.join(bin, "sync.log");
    await writeFile(path.join(bin, "sync"), `#!/bin/sh\necho "$@" >> '${log}'\nexit ${code}\n`);
    await chmod(path.join(bin, "sync"), 0o755);
    vi.stubEnv("PATH", `${bin}${path.delimiter}${process.env["PATH"] ?? ""}`);
    return { log };
  }

  it.runIf(process.platform === "linux")("is one `sync -f` of the staging directory's file system on Linux", async () => {
    const { log } = await fakeSync(0);
    const dir = await tempDir();
    // A file that is not there shows that no fsync per file ran.
    await flushFiles(dir, [path.join(dir, "a"), path.join(dir, "missing")]);
    expect(await readFile(log, "utf8")).toBe(`-f ${dir}\n`);
  });

  it("is an fsync per file when `sync -f` fails (or elsewhere than Linux)", async () => {
    await fakeSync(1);
    const dir = await tempDir();
    await writeFile(path.join(dir, "a"), "a\n");
    await flushFiles(dir, [path.join(dir, "a"), path.join(dir, "b-is-not-there")]).then(
      () => expect.fail("an fsync per file opens each file"),
      (error: NodeJS.ErrnoException) => expect(error.code).toBe("ENOENT"),
    );
    await expect(flushFiles(dir, [path.join(dir, "a")])).resolves.toBeUndefined();
  });
});
