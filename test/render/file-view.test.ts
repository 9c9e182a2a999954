/**
 * A staged tree's files known without reading them back give the same answers as the disk: the
 * same listings, kinds and bytes, so the same render cache keys (a key generate computes from
 * memory must be the one the next run computes from the disk, or the next run renders again).
 * And the answers do come from memory: a byte changed there changes the key.
 */
import { readdir, readFile, realpath } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { generate } from "../../src/index.js";
import { openRenderCache, renderKeyer } from "../../src/render/cache.js";
import { DISK, knownFilesView, type KnownFiles } from "../../src/render/file-view.js";
import { renderer, tempDir } from "../helpers.js";

let tree: string;
let overlays: string[];
/** Every file of the tree as it is on disk, by tree-relative path. */
let known: KnownFiles;

beforeAll(async () => {
  tree = await realpath(await tempDir());
  // dev brings a seed (secrets.env) and its .gitignore; staging, from the example file, a production overlay.
  await generate({ dir: tree, envFiles: [path.resolve("examples/staging.yaml")], renderer, cache: false });
  const files = new Map<string, string>();
  for (const entry of await readdir(tree, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.relative(tree, path.join(entry.parentPath, entry.name)).split(path.sep).join("/");
    files.set(file, await readFile(path.join(tree, file), "utf8"));
  }
  known = { root: tree, files };
  overlays = (await readdir(path.join(tree, "overlays"))).map((name) => path.join(tree, "overlays", name));
  expect(overlays.length).toBe(3);
  expect(files.has("overlays/dev/secrets.env")).toBe(true);
});

/** The key of each overlay, computed through `view` with a keyer of its own. */
async function keysThrough(view: ReturnType<typeof knownFilesView>): Promise<Array<string | undefined>> {
  const keyOf = renderKeyer(renderer, openRenderCache(await tempDir()), view);
  return Promise.all(overlays.map((overlay) => keyOf(overlay)));
}

describe("files known without reading them", () => {
  it("list, tell apart and read as the disk does", async () => {
    const view = knownFilesView(known);
    for (const dir of [...overlays, path.join(tree, "base"), path.join(tree, "overlays")]) {
      expect(view.listFiles(dir), dir).toEqual(DISK.listFiles(dir));
      expect(await view.realpath(dir), dir).toBe(await DISK.realpath(dir));
    }
    for (const target of ["base", "overlays/dev/secrets.env", "overlays/dev/patches", "overlays/nowhere", "base/missing.yaml"]) {
      expect(view.kind(path.join(tree, target)), target).toBe(DISK.kind(path.join(tree, target)));
    }
    expect(view.read(path.join(tree, "overlays/dev/kustomization.yaml"))).toEqual(DISK.read(path.join(tree, "overlays/dev/kustomization.yaml")));
    expect(() => view.read(path.join(tree, "overlays/dev/missing.yaml"))).toThrow(/ENOENT/);
  });

  it("give every overlay the key the disk gives it, also with the base outside the known root (read from the disk)", async () => {
    const fromDisk = await keysThrough(DISK);
    expect(fromDisk.every((key) => typeof key === "string")).toBe(true);
    expect(await keysThrough(knownFilesView(known))).toEqual(fromDisk);
    const overlaysOnly: KnownFiles = {
      root: path.join(tree, "overlays"),
      files: new Map([...known.files].filter(([file]) => file.startsWith("overlays/")).map(([file, text]) => [file.slice("overlays/".length), text])),
    };
    expect(await keysThrough(knownFilesView(overlaysOnly))).toEqual(fromDisk);
  });

  it("answer from memory: a byte changed, or a file added, there changes that overlay's key only", async () => {
    const fromDisk = await keysThrough(DISK);
    const devIndex = overlays.findIndex((overlay) => overlay.endsWith(`${path.sep}dev`));
    const changed = new Map(known.files);
    changed.set("overlays/dev/kustomization.yaml", `${known.files.get("overlays/dev/kustomization.yaml")}# changed\n`);
    const added = new Map(known.files);
    added.set("overlays/dev/extra.yaml", "a: 1\n");
    for (const files of [changed, added]) {
      const keys = await keysThrough(knownFilesView({ root: tree, files }));
      for (const [index, key] of keys.entries()) {
        if (index === devIndex) expect(key).not.toBe(fromDisk[index]);
        else expect(key).toBe(fromDisk[index]);
      }
    }
    // A change under the base changes every overlay's key.
    const base = new Map(known.files);
    base.set("base/kustomization.yaml", `${known.files.get("base/kustomization.yaml")}# changed\n`);
    const keys = await keysThrough(knownFilesView({ root: tree, files: base }));
    for (const [index, key] of keys.entries()) expect(key).not.toBe(fromDisk[index]);
  });
});
