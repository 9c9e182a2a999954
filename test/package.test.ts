/** The published package: what `npm pack` ships and how the package.json contract reads. */
import { execFileSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";

describe("package", () => {
  it("ships dist/ with types and the bin, and no tests or sources", () => {
    const [packed] = JSON.parse(execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { encoding: "utf8" })) as Array<{ files: Array<{ path: string }> }>;
    const files = packed!.files.map((file) => file.path);
    expect(files).toEqual(expect.arrayContaining(["package.json", "README.md", "dist/cli.js", "dist/index.js", "dist/index.d.ts", "dist/pipeline.js"]));
    expect(files.filter((file) => !file.startsWith("dist/") && file !== "package.json" && file !== "README.md")).toEqual([]);
    expect(files.filter((file) => /test|spec/.test(file))).toEqual([]);
  });

  it("declares the contract: ESM, typed exports, bin, node >= 20", async () => {
    const pkg = JSON.parse(await readFile("package.json", "utf8")) as Record<string, any>;
    expect(pkg["name"]).toBe("argusai-kustomize");
    expect(pkg["type"]).toBe("module");
    expect(pkg["exports"]["."]).toEqual({ types: "./dist/index.d.ts", default: "./dist/index.js" });
    expect(pkg["bin"]).toEqual({ "argusai-kustomize": "dist/cli.js" });
    expect(pkg["engines"]).toEqual({ node: ">=20" });
    expect((await readFile("dist/cli.js", "utf8")).startsWith("#!/usr/bin/env node\n")).toBe(true);
  });
});
