/**
 * Environment files parsed once per text and code (src/tree/parsed-files.ts): a remembered text
 * is looked up instead of parsed, a changed one is parsed again, only values JSON gives back
 * exactly are remembered, a damaged entry is a miss, and every message (its line included) is the
 * one a first parse gives.
 */
import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openEntryStore } from "../../src/cache-store.js";
import { generate } from "../../src/index.js";
import { PARSED_FILES_BOUNDS, parsedFiles, type ParsedFiles } from "../../src/tree/parsed-files.js";
import { readEnvironmentFile } from "../../src/tree/read-environment-file.js";
import { failureOf, renderer, STAGING_HEAD, tempDir } from "../helpers.js";

const STAGING = `${STAGING_HEAD}replicas:\n  frontend: 2\n`;

async function store() {
  return openEntryStore(await tempDir(), "argusai-kustomize environment files 1", PARSED_FILES_BOUNDS);
}

describe("environment files parsed once per text", () => {
  it("a remembered text comes back as a fresh copy in the next run; another text, or another tree, is not found", async () => {
    const entries = await store();
    const first = parsedFiles(entries, "/trees/a");
    expect(first.get(STAGING)).toBeUndefined();
    first.remember(STAGING, { name: "staging", replicas: { frontend: 2 } });
    await first.save();

    const next = parsedFiles(entries, "/trees/a");
    const spec = next.get(STAGING) as { replicas: { frontend: number } };
    expect(spec).toEqual({ name: "staging", replicas: { frontend: 2 } });
    spec.replicas.frontend = 9;
    expect(next.get(STAGING)).toEqual({ name: "staging", replicas: { frontend: 2 } });
    expect(next.get(STAGING.replace("2", "3"))).toBeUndefined();
    expect(parsedFiles(entries, "/trees/b").get(STAGING)).toBeUndefined();
    // A run that reads no file (a script's own environments) keeps what the tree's last run remembered.
    await parsedFiles(entries, "/trees/a").save();
    expect(parsedFiles(entries, "/trees/a").get(STAGING)).toEqual({ name: "staging", replicas: { frontend: 2 } });
  });

  it("remembers only what JSON gives back exactly (YAML's .inf, .nan and -0 have no JSON form)", async () => {
    const entries = await store();
    const first = parsedFiles(entries, "/trees/a");
    for (const [index, value] of [Number.POSITIVE_INFINITY, Number.NaN, -0].entries()) first.remember(`text ${index}`, { replicas: { frontend: value } });
    first.remember("plain", { replicas: { frontend: 0 } });
    await first.save();
    const next = parsedFiles(entries, "/trees/a");
    expect([0, 1, 2].map((index) => next.get(`text ${index}`))).toEqual([undefined, undefined, undefined]);
    expect(next.get("plain")).toEqual({ replicas: { frontend: 0 } });
  });

  it("a damaged entry is a miss", async () => {
    const entries = await store();
    const first = parsedFiles(entries, "/trees/a");
    first.remember(STAGING, { name: "staging" });
    await first.save();
    const files = (await readdir(entries.dir, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile() && entry.name.endsWith(".json"));
    expect(files).toHaveLength(1);
    const file = path.join(files[0]!.parentPath, files[0]!.name);
    await writeFile(file, (await readFile(file, "utf8")).slice(0, 20));
    expect(parsedFiles(entries, "/trees/a").get(STAGING)).toBeUndefined();
  });

  it("a file read through it gives what was remembered, and the lines of its fields from its text", async () => {
    const dir = await tempDir();
    const file = path.join(dir, "staging.yaml");
    await writeFile(file, STAGING);
    // A remembered value unlike what the text says: only a lookup can give it back.
    const remembered: ParsedFiles = {
      get: (text) => (text === STAGING ? { name: "from-memory" } : undefined),
      remember: () => undefined,
      save: async () => undefined,
    };
    const source = await readEnvironmentFile(file, "staging.yaml", undefined, remembered);
    expect(source.spec).toEqual({ name: "from-memory" });
    expect(source.lineOf?.(["replicas", "frontend"])).toBe(6);
    expect(source.file).toBe("staging.yaml");
  });

  it("generate reports a bad field at the same line on the run that parses the file and on the runs that look it up", async () => {
    const dir = await tempDir();
    const cache = await tempDir();
    const envFile = path.join(await tempDir(), "staging.yaml");
    await writeFile(envFile, `${STAGING_HEAD}replicas:\n  frontend: -2\n`);
    const first = await failureOf(generate({ dir, renderer, envFiles: [envFile], cache }));
    // The text parsed, so it is remembered even though its spec is refused.
    expect(await readdir(path.join(cache, "environment-files"))).not.toEqual([]);
    const second = await failureOf(generate({ dir, renderer, envFiles: [envFile], cache }));
    expect(second.code).toBe("INVALID_SPEC");
    expect(second.problems).toEqual(first.problems);
    expect(second.problems).toContainEqual(expect.objectContaining({ file: envFile, line: 6, field: "replicas.frontend" }));
  });
});
