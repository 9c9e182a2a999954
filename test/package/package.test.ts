/** The published package: what `npm pack` ships and how the package.json contract reads. */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { environmentJsonSchema, environmentSpecSchema } from "../../src/model/environment-spec.js";
import { packedPackage } from "./packed.js";

describe("package", () => {
  it("the bundle imports at run time only Node's modules and the package's dependencies (the rest is bundled)", async () => {
    const { dependencies } = JSON.parse(await readFile("package.json", "utf8")) as { dependencies: Record<string, string> };
    const bundle = (await readdir("dist/bin", { recursive: true })).filter((file) => file.endsWith(".js"));
    const imported = new Set<string>();
    for (const file of bundle) {
      const text = await readFile(path.join("dist/bin", file), "utf8");
      for (const match of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*)["']((?:node:)?[@a-z0-9][@a-z0-9._/-]*)["']/g)) imported.add(match[1]!);
    }
    const packageOf = (specifier: string) =>
      specifier
        .split("/")
        .slice(0, specifier.startsWith("@") ? 2 : 1)
        .join("/");
    const outside = [...imported].filter((specifier) => !specifier.startsWith("node:") && !(packageOf(specifier) in dependencies));
    // The config files init writes import the package itself by name: a string in a template, not an import of the bundle's.
    expect(outside.filter((specifier) => specifier !== "argusai-kustomize")).toEqual([]);
    expect(imported.has("jiti")).toBe(true);
  });

  it("ships dist/ with types and the bin, and no tests or sources", async () => {
    const { files } = await packedPackage();
    expect(files).toEqual(
      expect.arrayContaining([
        "package.json",
        "README.md",
        "dist/bin/argusai-kustomize.js",
        "dist/bin/library.js",
        "dist/index.d.ts",
        "dist/commands/generate.d.ts",
      ]),
    );
    // One copy of the code: the bundled CLI and library share their chunks; tsc's output ships only as declarations.
    expect(files.filter((file) => file.startsWith("dist/") && !file.startsWith("dist/bin/") && !file.endsWith(".d.ts"))).toEqual([]);
    expect(files).toContain("schema/environment.schema.json");
    expect(files).toEqual(expect.arrayContaining(["LICENSE", "examples/staging.yaml", "examples/gitops-ci/argusai-kustomize.yml"]));
    const shipped = /^(dist|schema|examples|docs)\/|^(package\.json|README\.md|LICENSE)$/;
    expect(files.filter((file) => !shipped.test(file))).toEqual([]);
    expect(files.filter((file) => /(^|\/)test\/|\.(test|spec)\.[cm]?[jt]s$/.test(file))).toEqual([]);
    expect(files.filter((file) => file.startsWith("dist/cli/"))).toEqual([]);
  });

  it("ships the JSON Schema of environment files exactly as generated from the one definition", async () => {
    const committed = await readFile("schema/environment.schema.json", "utf8");
    expect(committed).toBe(`${JSON.stringify(environmentJsonSchema(), null, 2)}\n`);
    const schema = JSON.parse(committed) as { required: string[]; additionalProperties: boolean; properties: Record<string, unknown> };
    expect(schema.required).toEqual(["name", "namespace", "secret"]);
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties)).toEqual(Object.keys(environmentSpecSchema.shape));
  });

  it("declares the contract: ESM, typed exports, bin, node >= 20", async () => {
    const pkg = JSON.parse(await readFile("package.json", "utf8")) as Record<string, any>;
    expect(pkg["name"]).toBe("argusai-kustomize");
    expect(pkg["type"]).toBe("module");
    expect(pkg["exports"]["."]).toEqual({ types: "./dist/index.d.ts", default: "./dist/bin/library.js" });
    expect(pkg["main"]).toBe("./dist/bin/library.js");
    expect(pkg["exports"]["./schema/environment.schema.json"]).toBe("./schema/environment.schema.json");
    expect(pkg["bin"]).toEqual({ "argusai-kustomize": "dist/bin/argusai-kustomize.js" });
    expect(pkg["engines"]).toEqual({ node: ">=20" });
    // Not `#!/usr/bin/env -S node --` (BusyBox env has no -S): see test/package/bin.system.test.ts.
    expect((await readFile("dist/bin/argusai-kustomize.js", "utf8")).startsWith('#!/bin/sh\n":" //; exec node -- "$0" "$@"\n')).toBe(true);
  });

  it("says where it lives and under which licence (LICENSE matches package.json)", async () => {
    const pkg = JSON.parse(await readFile("package.json", "utf8")) as Record<string, any>;
    const home = "https://github.com/argusai/argusai-kustomize";
    expect(pkg["repository"]).toEqual({ type: "git", url: `git+${home}.git` });
    expect(pkg["homepage"]).toBe(`${home}#readme`);
    expect(pkg["bugs"]).toEqual({ url: `${home}/issues` });
    expect(pkg["license"]).toBe("MIT");
    expect(await readFile("LICENSE", "utf8")).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} /);
  });
});
