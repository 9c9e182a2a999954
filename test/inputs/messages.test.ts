/**
 * Messages that help: unknown keys named as unknown beside a one-of choice, the schema library's
 * wording rewritten, input shown escaped, one `file:line: environment "x", field y: ...` shape.
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { printable } from "../../src/printable.js";
import { STAGING_HEAD as HEAD, problemLinesOf, runCli, tempDir } from "../helpers.js";

const SHAPE = /^env\.yaml:\d+: environment "[^"]*", field [^:]+: \S/;

describe("messages", () => {
  it("a kustomize-style newTag under images.backend is named as an unknown field", () => {
    expect(problemLinesOf(`${HEAD}images:\n  backend:\n    newTag: "1.4.2"\n`)).toEqual([
      `env.yaml:6: environment "staging", field images.backend: give a tag, a digest or a repository`,
      `env.yaml:7: environment "staging", field images.backend.newTag: unknown field (kustomize's name; here it is tag)`,
    ]);
    expect(problemLinesOf(`${HEAD}images:\n  backend: { tag: "1", newTg: "2" }\n`)).toEqual([
      `env.yaml:6: environment "staging", field images.backend.newTg: unknown field (known: repository, tag, digest)`,
    ]);
  });

  it("a key named like an Object property (__proto__, constructor) is an unknown field like any other", () => {
    for (const key of ["__proto__", "constructor", "toString"]) {
      expect(problemLinesOf(`${HEAD}images:\n  backend: { tag: "1", ${key}: "2" }\n`)).toEqual([
        `env.yaml:6: environment "staging", field images.backend.${key}: unknown field (known: repository, tag, digest)`,
      ]);
    }
  });

  it.each<[string, string, string]>([
    ["images as a word", `${HEAD}images: latest\n`, "field images: must be a mapping (key: value lines), not a string"],
    ["an image as a string", `${HEAD}images:\n  backend: "1.0"\n`, `field images.backend: must be a mapping (key: value lines), not a string`],
    ["secret as a word", HEAD.replace("secret:\n  mode: existing\n", "secret: existing\n"), "field secret: must be a mapping (key: value lines), not a string"],
    ["config as a list", `${HEAD}config:\n  - A=1\n`, "field config: must be a mapping (key: value lines), not a list"],
    [
      "requests as a word",
      `${HEAD}resources:\n  backend:\n    requests: big\n`,
      "field resources.backend.requests: must be a mapping (key: value lines), not a string",
    ],
    ["storage empty", `${HEAD}storage:\n`, "field storage: must be a mapping (key: value lines), not empty (null)"],
    ["a long hostname", `${HEAD}ingress:\n  host: ${"a".repeat(254)}\n`, "field ingress.host: is 254 characters long: at most 253"],
    ["createNamespace as a word", `${HEAD}createNamespace: "no"\n`, "field createNamespace: must be true or false, not a string"],
  ])("%s: plain words, not the schema library's", (_, text, expected) => {
    const problems = problemLinesOf(text);
    expect(problems).toEqual([expect.stringContaining(expected)]);
    for (const problem of problems) {
      expect(problem).toMatch(SHAPE);
      expect(problem).not.toMatch(/a object|Too big|Too small|Invalid input|expected string|record/);
    }
  });

  it("control characters and terminal escapes from the input are shown escaped", () => {
    const problems = problemLinesOf(
      `name: "st\\e[2Jaging"\nnamespace: argusai-staging\nsecret: { mode: existing }\nconfig:\n  "K\\e]0;owned\\a": x\n  V: "a\\e[31mb"\n`,
    );
    expect(problems).toEqual([
      "env.yaml:1: environment \"st\\e[2Jaging\", field name: is not a DNS-1123 label (lowercase letters, digits and '-', starting and ending with a letter or digit)",
      "env.yaml:5: environment \"st\\e[2Jaging\", field config.K\\e]0;owned\\x07: is not a valid ConfigMap key (letters, digits, '-', '_', '.')",
      'env.yaml:6: environment "st\\e[2Jaging", field config.V: holds the control character U+001B at position 2: config values become environment variables, and control characters (but tab) are refused',
    ]);
    for (const problem of problems) expect(problem).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  });

  it("printable escapes what moves the cursor or hides text, and cuts long input", () => {
    expect(printable("a\u001b[31mb\u0007\r\n\t\u2028\u202e\ud800")).toBe("a\\e[31mb\\x07\\r\\n\\t\\u2028\\u202e\\ud800");
    expect(printable("😀 naïve")).toBe("😀 naïve");
    expect(printable("x".repeat(300))).toBe(`${"x".repeat(200)}… (100 more characters)`);
  });

  it("through the CLI: one line per problem, nothing raw, exit 2", { timeout: 20_000 }, async () => {
    const dir = await tempDir();
    const file = path.join(dir, "env.yaml");
    await writeFile(file, `name: "x\\e[2J"\nnamespace: argusai-x\nsecret: { mode: existing }\nimages:\n  backend: { newTag: "1" }\n`);
    const result = await runCli(["generate", "--dir", path.join(dir, "tree"), "--env-file", file]);
    expect(result.code).toBe(2);
    expect(result.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
    const lines = result.stderr.trim().split("\n");
    expect(lines[0]).toBe("argusai-kustomize: INVALID_SPEC: 3 problems in the environments:");
    expect(lines.slice(1).map((line) => line.trim())).toEqual([
      `${file}:1: environment "x\\e[2J", field name: is not a DNS-1123 label (lowercase letters, digits and '-', starting and ending with a letter or digit)`,
      `${file}:5: environment "x\\e[2J", field images.backend.newTag: unknown field (kustomize's name; here it is tag)`,
      `${file}:5: environment "x\\e[2J", field images.backend: give a tag, a digest or a repository`,
    ]);
  });
});
