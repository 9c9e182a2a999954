/** The test set-up itself: importing the helpers needs no kubectl (the renderer is looked for on first use), and each run caches renders apart. */
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { defaultCacheDir } from "../src/render/cache.js";
import { RUN_CACHE_PREFIX } from "./global-setup.js";

describe("test helpers", () => {
  it("import on a machine without kubectl or kustomize, and name what is missing when a test renders", async () => {
    vi.resetModules();
    vi.stubEnv("PATH", "/nonexistent");
    vi.stubEnv("KUBECTL", undefined);
    vi.stubEnv("KUSTOMIZE", undefined);
    try {
      const helpers = await import("./helpers.js");
      // A fresh module graph: its ArgusKustomizeError is another class than this file's, so compare by name and code.
      expect(() => helpers.renderer.binary).toThrow(expect.objectContaining({ name: "ArgusKustomizeError", code: "KUBECTL_NOT_FOUND" }));
    } finally {
      vi.unstubAllEnvs();
      vi.resetModules();
    }
  });

  it("finds the real renderer once and reads like a plain Renderer (spread, keys)", async () => {
    const { renderer } = await import("./helpers.js");
    expect(renderer.args.length).toBe(1);
    expect({ ...renderer }).toEqual({ binary: renderer.binary, args: renderer.args, label: renderer.label });
    expect(Object.keys(renderer).sort()).toEqual(["args", "binary", "label"]);
  });
});

describe("each test run", () => {
  it("caches renders in a directory of its own, not in node_modules/.cache", () => {
    const cacheHome = process.env["XDG_CACHE_HOME"] ?? "";
    expect(path.dirname(cacheHome)).toBe(tmpdir());
    expect(path.basename(cacheHome).startsWith(RUN_CACHE_PREFIX)).toBe(true);
    expect(defaultCacheDir()).toBe(path.join(cacheHome, "argusai-kustomize"));
  });
});
