/**
 * Reading environment files with bounded work and plain messages: not-a-file paths refused
 * without reading them, size capped before reading, encodings named, other YAML files reported in
 * one line without their contents, and validation linear in the number of keys.
 */
import { execFileSync } from "node:child_process";
import { mkdir, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ArgusKustomizeError, formatProblem } from "../../src/errors.js";
import { environmentSourceFromText } from "../../src/model/environment-file.js";
import { loadEnvironments } from "../../src/model/environment-spec.js";
import { MAX_ENVIRONMENT_FILE_BYTES, readEnvironmentFile } from "../../src/tree/read-environment-file.js";
import { runCli, snapshotTree, tempDir, STAGING_HEAD as HEAD } from "../helpers.js";

/** The INVALID_SPEC message reading `file` gives (the test fails if it reads fine). */
async function readProblem(file: string): Promise<string> {
  const error = await readEnvironmentFile(file, file).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ArgusKustomizeError);
  expect((error as ArgusKustomizeError).code).toBe("INVALID_SPEC");
  return (error as ArgusKustomizeError).message;
}

describe("what is not a regular file is refused without reading it", () => {
  it("a FIFO (which would block a read forever)", { timeout: 5000 }, async () => {
    const fifo = path.join(await tempDir(), "env.yaml");
    execFileSync("mkfifo", [fifo]);
    expect(await readProblem(fifo)).toMatch(/env\.yaml: is a named pipe \(FIFO\), not a regular file/);
  });

  it("a device and a directory", async () => {
    expect(await readProblem("/dev/zero")).toMatch(/^\/dev\/zero: is a device, not a regular file/);
    expect(await readProblem(await tempDir())).toMatch(/is a directory, not a regular file/);
  });

  it("a file over 1 MiB, before reading it", async () => {
    const file = path.join(await tempDir(), "huge.yaml");
    const text = `${HEAD}# ${"x".repeat(MAX_ENVIRONMENT_FILE_BYTES)}\n`;
    await writeFile(file, text);
    expect(await readProblem(file)).toMatch(new RegExp(`is ${text.length} bytes: an environment file is at most 1 MiB \\(1048576 bytes\\)`));
  });
});

describe("encodings", () => {
  const write = async (name: string, bytes: Buffer) => {
    const file = path.join(await tempDir(), name);
    await writeFile(file, bytes);
    return file;
  };

  it("UTF-16 with a byte order mark, as PowerShell writes", async () => {
    const file = await write("utf16.yaml", Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(HEAD, "utf16le")]));
    expect(await readProblem(file)).toMatch(/is UTF-16 text \(it starts with a UTF-16 byte order mark\), as Windows PowerShell writes .*save it as UTF-8/);
    const bigEndian = await write("utf16be.yaml", Buffer.from([0xfe, 0xff, 0x00, 0x6e]));
    expect(await readProblem(bigEndian)).toMatch(/is UTF-16 text/);
  });

  it("UTF-16 without a byte order mark", async () => {
    expect(await readProblem(await write("utf16-nobom.yaml", Buffer.from(HEAD, "utf16le")))).toMatch(
      /holds a NUL byte \(line 1\).*UTF-16 without a byte order mark/,
    );
  });

  it("Latin-1, naming the line and the byte, not the text", async () => {
    const file = await write("latin1.yaml", Buffer.from(`${HEAD}config:\n  GREETING: "caf\u00e9"\n`, "latin1"));
    const message = await readProblem(file);
    expect(message).toMatch(/is not UTF-8 text \(line 6 has the byte 0xE9, perhaps Latin-1 or Windows-1252\); save it as UTF-8/);
    expect(message).not.toContain("GREETING");
  });

  it("UTF-8 with a byte order mark is read", async () => {
    const source = await readEnvironmentFile(await write("bom.yaml", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(HEAD)])), "bom.yaml");
    expect(loadEnvironments([source])[0]!.name).toBe("staging");
  });
});

describe("a file that is not an environment file", () => {
  it("is reported in one line, without its contents", () => {
    const manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: secret-stuff\ndata:\n  PASSWORD: hunter2\n";
    expect(() => environmentSourceFromText(manifest, "cm.yaml")).toThrow(
      /^cm\.yaml: is not an environment file: none of its 4 top-level keys is an environment field \(name, namespace, secret, \.\.\.\)$/,
    );
  });

  it("a symlink to a system file prints none of it", async () => {
    const dir = await tempDir();
    const link = path.join(dir, "env.yaml");
    await symlink("/etc/passwd", link);
    const message = await readProblem(link);
    expect(message.split("\n")).toHaveLength(1);
    expect(message).not.toMatch(/root|bin\/|nologin/);
  });
});

describe("linear work", () => {
  it("30,000 config keys: every one read and checked, every problem on its line", () => {
    const count = 30_000;
    const lines = Array.from({ length: count }, (_, index) => `  K${index}: "v${index}"`);
    let started = performance.now();
    const [spec] = loadEnvironments([environmentSourceFromText(`${HEAD}config:\n${lines.join("\n")}\n`, "big.yaml")]);
    const valid = performance.now() - started;
    expect(Object.keys(spec!.config!)).toHaveLength(count);
    expect(spec!.config!["K29999"]).toBe("v29999");

    // Every value a number: 30,000 problems, each with its own line.
    started = performance.now();
    const bad = Array.from({ length: count }, (_, index) => `  K${index}: ${index}`);
    const error = (() => {
      try {
        loadEnvironments([environmentSourceFromText(`${HEAD}config:\n${bad.join("\n")}\n`, "bad.yaml")]);
      } catch (caught) {
        return caught as ArgusKustomizeError;
      }
      return undefined;
    })();
    const invalid = performance.now() - started;
    expect(error?.problems).toHaveLength(count);
    expect(formatProblem(error!.problems[0]!)).toBe('bad.yaml:6: environment "staging", field config.K0: must be a string; quote it ("0"), YAML read number 0');
    expect(formatProblem(error!.problems[count - 1]!)).toMatch(/^bad\.yaml:30005: environment "staging", field config\.K29999: must be a string/);
    console.log(`30,000 config keys: valid file ${Math.round(valid)} ms, 30,000 problems ${Math.round(invalid)} ms`);
  });

  it("a key given twice is still found, with its line", () => {
    expect(() => environmentSourceFromText(`${HEAD}config:\n  A: "1"\n  B: "2"\n  A: "3"\n`, "dup.yaml")).toThrow(
      /dup\.yaml:8: malformed YAML or JSON: Map keys must be unique/,
    );
  });
});

describe("through the CLI: exit 2, the file named, the tree unchanged", () => {
  it.each<[string, (dir: string) => Promise<string>, RegExp]>([
    [
      "a FIFO",
      async (dir) => {
        const fifo = path.join(dir, "fifo.yaml");
        execFileSync("mkfifo", [fifo]);
        return fifo;
      },
      /fifo\.yaml: is a named pipe \(FIFO\), not a regular file/,
    ],
    [
      "a UTF-16 file",
      async (dir) => {
        const file = path.join(dir, "utf16.yaml");
        await writeFile(file, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(HEAD, "utf16le")]));
        return file;
      },
      /utf16\.yaml: is UTF-16 text/,
    ],
    [
      "a symlink to /etc/passwd",
      async (dir) => {
        const link = path.join(dir, "passwd.yaml");
        await symlink("/etc/passwd", link);
        return link;
      },
      /passwd\.yaml(:\d+)?: (must be a mapping|is not an environment file)/,
    ],
  ])("%s", { timeout: 20_000 }, async (_, make, expected) => {
    const tree = await tempDir();
    expect((await runCli(["generate", "--dir", tree])).code).toBe(0);
    const before = await snapshotTree(tree);
    const inputs = path.join(await tempDir(), "inputs");
    await mkdir(inputs);
    const result = await runCli(["generate", "--dir", tree, "--env-file", await make(inputs)]);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(expected);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).not.toMatch(/root:|\n\s+at /);
    expect(await snapshotTree(tree)).toEqual(before);
  });
});
