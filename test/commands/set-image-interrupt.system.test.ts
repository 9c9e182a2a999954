/**
 * `generate --set-image` is one transaction: stopped by SIGINT or SIGTERM at any point, the
 * environment file is either exactly as it was (byte for byte) or the whole generate completed,
 * and `check` passes either way.
 */
import { spawn } from "node:child_process";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CLI, copyOfTree, renderer, runCli } from "../helpers.js";

// Comments, spacing, no trailing newline: what a byte-for-byte restore must keep.
const ORIGINAL = '# staging  \nname: staging\nnamespace: argusai-staging\nimages:\n  backend:   { tag: "1.4.2" }   # pinned\nsecret: { mode: existing }';
const EDITED = ORIGINAL.replace('"1.4.2"', '"1.4.3"');
const ARGS = ["generate", "--set-image", "staging", "backend=1.4.3", "--no-cache"];

/** A copy of one tree generated with envs/staging.yaml (the record names the file relative to the tree, so a copy is that tree). */
function freshTree(): Promise<string> {
  return copyOfTree("staging", async (dir) => {
    await mkdir(path.join(dir, "envs"));
    await writeFile(path.join(dir, "envs/staging.yaml"), ORIGINAL);
    const generated = await runCli(["generate", "--dir", dir, "--env-file", path.join(dir, "envs/staging.yaml"), "--no-cache"]);
    expect(generated.code, generated.stderr).toBe(0);
  });
}

/**
 * Runs the CLI in `dir` and sends `signal` after `delayMs` (unless it ended), or, with "output", as
 * soon as it prints its first line (the summary, printed only after the tree was committed).
 */
function runStopped(
  dir: string,
  signal: NodeJS.Signals,
  when: number | "output" | undefined,
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--", CLI, ...ARGS], { cwd: dir, env: { ...process.env, ...env } });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout.once("data", () => {
      if (when === "output") child.kill(signal);
    });
    const timer = typeof when === "number" ? setTimeout(() => child.kill(signal), when) : undefined;
    child.on("exit", (code, killedBy) => {
      clearTimeout(timer);
      resolve({ code, signal: killedBy, stderr });
    });
  });
}

/** The outcome is one of the two allowed ones, and check agrees with it. */
async function expectWholeOrNothing(
  dir: string,
  run: { code: number | null; signal: NodeJS.Signals | null },
  signal: NodeJS.Signals,
): Promise<"unchanged" | "completed"> {
  const text = await readFile(path.join(dir, "envs/staging.yaml"), "utf8");
  expect([ORIGINAL, EDITED]).toContain(text);
  // Outside the lock (before it is taken, or after the commit released it) no handler is
  // installed: Node's default ends the process by the signal itself (a shell sees 128 + n, as from
  // our handler). The file is then the original, or the edit of a generate that completed (the
  // overlay and check below say which).
  if (run.code === null) expect(run.signal).toBe(signal);
  else expect([0, signal === "SIGINT" ? 130 : 143]).toContain(run.code);
  expect(await runCli(["check"], { cwd: dir })).toEqual({ code: 0, stdout: "tree is up to date\n", stderr: "" });
  const overlay = await readFile(path.join(dir, "overlays/staging/kustomization.yaml"), "utf8");
  expect(overlay).toContain(text === EDITED ? "newTag: 1.4.3" : "newTag: 1.4.2");
  return text === EDITED ? "completed" : "unchanged";
}

describe("--set-image stopped by a signal", () => {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    it(`${signal} while the edited file's overlay renders: the file is put back byte for byte`, async () => {
      const dir = await freshTree();
      // A renderer that stops the generate calling it, mid-render (after the edit, before the commit).
      const wrapper = path.join(dir, "stop-kubectl.sh");
      await writeFile(wrapper, `#!/bin/sh\ncase "$*" in *kustomize*) kill -s ${signal.slice(3)} $PPID; sleep 2;; esac\nexec "${renderer.binary}" "$@"\n`);
      await chmod(wrapper, 0o755);
      const run = await runStopped(dir, signal, undefined, { KUBECTL: wrapper });
      expect(run.code, run.stderr).toBe(signal === "SIGINT" ? 130 : 143);
      expect(await readFile(path.join(dir, "envs/staging.yaml"), "utf8")).toBe(ORIGINAL);
      expect(await expectWholeOrNothing(dir, run, signal)).toBe("unchanged");
    });

    it(`${signal} at several points of the run: unchanged or completed, check passes`, async () => {
      // How long a whole run takes here, so the signals land across it.
      const timing = await freshTree();
      const started = Date.now();
      const whole = await runStopped(timing, signal, undefined);
      expect(whole.code, whole.stderr).toBe(0);
      const duration = Date.now() - started;
      // Timed signals land wherever the machine's load puts them: either outcome is allowed.
      for (const fraction of [0.1, 0.4, 0.7]) {
        const dir = await freshTree();
        const run = await runStopped(dir, signal, Math.round(duration * fraction));
        await expectWholeOrNothing(dir, run, signal);
      }
      // A signal once the summary is printed (after the commit, maybe before the exit) finds the
      // generate whole: the edit and its tree stay, whatever the load.
      const late = await freshTree();
      expect(await expectWholeOrNothing(late, await runStopped(late, signal, "output"), signal)).toBe("completed");
    });
  }
});
