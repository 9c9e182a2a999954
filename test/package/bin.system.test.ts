/**
 * The bin as users start it: by its shebang, from npm's .bin, on Debian and on Alpine CI images
 * (where /bin/sh and /usr/bin/env are BusyBox), with `--env-file` reaching the CLI and never Node.
 */
import { chmod, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CLI, PLACEHOLDER_WARNINGS, tempDir } from "../helpers.js";
import { BUSYBOX, IN_CI, inAlpineNamespace, NAMESPACE_UNAVAILABLE, run, shebangOf, viaShebang, type Run } from "./alpine.js";

const STAGING = path.resolve("examples/staging.yaml");
const NODE_MAJOR = Number(process.versions.node.split(".")[0]);

/** A launcher: how a user's shell ends up starting the bin. */
interface Launcher {
  readonly name: string;
  readonly unavailable: string | undefined;
  start(bin: string, args: readonly string[]): Promise<Run>;
}

const LAUNCHERS: Launcher[] = [
  { name: "executed directly (the kernel reads the shebang; this machine's /bin/sh)", unavailable: undefined, start: (bin, args) => run([bin, ...args]) },
  { name: "shebang read as the kernel does, run by BusyBox", unavailable: BUSYBOX === undefined ? "busybox is not installed" : undefined, start: viaShebang },
  {
    name: "executed directly in an Alpine-like mount namespace (BusyBox /bin/sh and /usr/bin/env)",
    unavailable: NAMESPACE_UNAVAILABLE,
    start: (bin, args) => inAlpineNamespace([bin, ...args]),
  },
];

/** A file that is a readable dotenv: if Node took it as its own --env-file, NODE_OPTIONS would load `marker`. */
async function hostileEnvFile(dir: string): Promise<{ file: string; marker: string }> {
  const marker = "NODE-READ-OUR-ENV-FILE";
  const preload = path.join(dir, "preload.cjs");
  await writeFile(preload, `process.stderr.write(${JSON.stringify(`${marker}\n`)});\n`);
  const file = path.join(dir, "hostile.env");
  await writeFile(file, `NODE_OPTIONS=--require ${preload}\n`);
  return { file, marker };
}

describe.each(LAUNCHERS)("the bin, $name", (launcher) => {
  // Where a launcher cannot exist the tests say so; CI must have all of them (.ci/run installs busybox).
  if (launcher.unavailable !== undefined && IN_CI) {
    it("is available in CI", () => expect.fail(`required in CI: ${launcher.unavailable}`));
    return;
  }
  const skip = launcher.unavailable !== undefined;
  const why = skip ? ` (skipped: ${launcher.unavailable})` : "";

  it.skipIf(skip)(`generates with --env-file${why}`, async () => {
    const dir = await tempDir();
    const result = await launcher.start(CLI, ["generate", "--dir", dir, "--env-file", STAGING]);
    expect(result.stderr).toBe(PLACEHOLDER_WARNINGS);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^overlays\/staging: \d+ objects, namespace argusai-staging/m);
    expect(await readFile(path.join(dir, "overlays/staging/kustomization.yaml"), "utf8")).toContain("namespace: argusai-staging");
  });

  it.skipIf(skip)(`passes a missing --env-file to the CLI, not to Node (Node 20 would exit 9)${why}`, async () => {
    const dir = await tempDir();
    const result = await launcher.start(CLI, ["generate", "--dir", dir, "--env-file", "no-such-env.yaml"]);
    expect(result.stderr).toBe(
      "argusai-kustomize: FILE_ACCESS: no-such-env.yaml: cannot read the environment file (ENOENT): it does not exist: check the path (relative paths are from the directory you run the command in)\n",
    );
    expect(result.code).toBe(2);
  });

  it.skipIf(skip)(`never lets Node load an --env-file's NODE_OPTIONS${why}`, async () => {
    const dir = await tempDir();
    const { file, marker } = await hostileEnvFile(dir);
    const result = await launcher.start(CLI, ["check", "--dir", dir, "--env-file", file]);
    expect(result.stderr).not.toContain(marker);
    expect(result.stderr).toMatch(/^argusai-kustomize: INVALID_SPEC: .*hostile\.env:1: /);
    expect(result.code).toBe(2);
  });
});

describe("why the bin starts from /bin/sh (the alternatives, measured)", () => {
  /** A copy of the bin with another first line, beside it so its chunk imports still resolve. */
  async function binWithShebang(shebang: string): Promise<string> {
    const text = await readFile(CLI, "utf8");
    const copy = path.join(path.dirname(CLI), `shebang-test-${process.pid}-${Math.random().toString(36).slice(2)}.js`);
    await writeFile(copy, text.replace(/^#![^\n]*\n/, `${shebang}\n`));
    await chmod(copy, 0o755);
    return copy;
  }

  it("reads its shebang as the kernel does: /bin/sh, which execs `node --` on itself", async () => {
    expect(shebangOf(CLI)).toEqual(["/bin/sh"]);
    expect((await readFile(CLI, "utf8")).split("\n")[1]).toBe('":" //; exec node -- "$0" "$@"');
  });

  it.skipIf(BUSYBOX === undefined)("`#!/usr/bin/env -S node --` does not start under BusyBox env", async () => {
    const copy = await binWithShebang("#!/usr/bin/env -S node --");
    try {
      expect(shebangOf(copy)).toEqual(["/usr/bin/env", "-S node --"]);
      const result = await viaShebang(copy, ["--version"]);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(/invalid option|unrecognized option/);
    } finally {
      await import("node:fs/promises").then((fs) => fs.rm(copy, { force: true }));
    }
  });

  it.skipIf(BUSYBOX === undefined || NODE_MAJOR !== 20)(
    `\`#!/usr/bin/env node\` starts under BusyBox, but Node ${process.versions.node} takes a missing --env-file as its own and exits 9`,
    async () => {
      const copy = await binWithShebang("#!/usr/bin/env node");
      try {
        expect((await viaShebang(copy, ["--version"])).code).toBe(0);
        const result = await viaShebang(copy, ["generate", "--env-file", "no-such-env.yaml"]);
        expect(result.code).toBe(9);
        expect(result.stderr).toContain("no-such-env.yaml: not found");
      } finally {
        await import("node:fs/promises").then((fs) => fs.rm(copy, { force: true }));
      }
    },
  );
});

describe("the compile cache", () => {
  it(`is on for Node 22.1 and later, beside the other caches, and there is none on Node 20: here Node ${process.versions.node}`, async () => {
    const tmp = await tempDir();
    const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmp, XDG_CACHE_HOME: path.join(tmp, "cache") };
    delete env["NODE_COMPILE_CACHE"];
    delete env["NODE_DISABLE_COMPILE_CACHE"];
    const result = await run([process.execPath, "--", CLI, "--help"], { env });
    expect(result.code, result.stderr).toBe(0);
    const cached = await readdir(path.join(tmp, "cache", "argusai-kustomize", "node-compile-cache"), { recursive: true }).catch(() => []);
    const [major, minor] = process.versions.node.split(".").map(Number) as [number, number];
    if (major > 22 || (major === 22 && minor >= 1)) expect(cached.length).toBeGreaterThan(0);
    else expect(cached).toEqual([]);
    // Nothing in the temp directory: a killed generate leaves it as it found it (transaction-processes).
    expect((await readdir(tmp)).filter((entry) => entry !== "cache")).toEqual([]);
  });
});
