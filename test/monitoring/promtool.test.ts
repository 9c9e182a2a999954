/**
 * The PrometheusRule's rules pass `promtool check rules` and the committed promtool unit tests
 * (test/monitoring/promtool/*.test.yaml), on every promtool found: the ones scripts/fetch-promtool.sh
 * unpacks from Debian (Prometheus 3 from sid, 2.53 from trixie), PROMTOOL, and promtool on PATH.
 * Locally a machine without any is a skipped test saying how to get one; in CI (.ci/run fetches
 * them) it is a failure.
 */
import { execFile } from "node:child_process";
import { copyFile, readFile, writeFile } from "node:fs/promises";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { ARGUSAI_COMPONENTS } from "../../src/model/components.js";
import type { MonitoringSpec } from "../../src/model/monitoring-spec.js";
import { prometheusRule } from "../../src/kustomize/monitoring-objects.js";
import { tempDir } from "../helpers.js";

const run = promisify(execFile);
const REQUIRE_ALL = ["CI", "ARGUSAI_CI", "ARGUSAI_REQUIRE_ALL_RENDERERS"].some((name) => Boolean(process.env[name]));
const TESTS = path.resolve("test/monitoring/promtool");

/** Every promtool this machine has, by the version it reports. */
async function promtools(): Promise<Array<{ name: string; binary: string }>> {
  const manifest = path.join(process.env["ARGUSAI_PROMTOOL_DIR"] ?? path.resolve(".cache/promtool"), "promtool.json");
  const binaries = existsSync(manifest)
    ? (JSON.parse(readFileSync(manifest, "utf8")) as Array<{ binary: string }>).map((entry) => entry.binary).filter((binary) => existsSync(binary))
    : [];
  if (process.env["PROMTOOL"] !== undefined) binaries.push(process.env["PROMTOOL"]);
  const onPath = await run("sh", ["-c", "command -v promtool"]).then(
    ({ stdout }) => stdout.trim(),
    () => "",
  );
  if (onPath !== "" && !binaries.includes(onPath)) binaries.push(onPath);
  return Promise.all(binaries.map(async (binary) => ({ binary, name: (await run(binary, ["--version"])).stdout.split("\n")[0]! })));
}

const found = await promtools();

/** The rules of the PrometheusRule the package renders for namespace argusai-test, as a rule file. */
function rulesFile(monitoring: MonitoringSpec): string {
  return stringify({ groups: prometheusRule(ARGUSAI_COMPONENTS, { environment: "test", namespace: "argusai-test", monitoring }).spec.groups });
}

const TUNED: MonitoringSpec = {
  alertLabels: { team: "vision" },
  alerts: { ArgusAIHighHTTPErrorRatio: { threshold: 0.05, for: "5m", severity: "critical" }, ArgusAIProtectDisconnected: { enabled: false } },
};

/** A folder with both rule files and copies of the committed unit tests. */
async function workspace(): Promise<string> {
  const dir = await tempDir("argusai-promtool-");
  await writeFile(path.join(dir, "argusai-defaults.rules.yaml"), rulesFile({}));
  await writeFile(path.join(dir, "argusai-tuned.rules.yaml"), rulesFile(TUNED));
  for (const test of ["defaults.test.yaml", "tuned.test.yaml"]) await copyFile(path.join(TESTS, test), path.join(dir, test));
  return dir;
}

async function promtool(binary: string, args: readonly string[], cwd: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(binary, args, { cwd });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, output: `${failed.stdout ?? ""}${failed.stderr ?? ""}` };
  }
}

describe("promtool", () => {
  if (found.length === 0) {
    if (REQUIRE_ALL) it("is installed", () => expect.fail("no promtool: run scripts/fetch-promtool.sh (or .ci/run)"));
    else it.skip("checks and unit-tests the rules (skipped: no promtool; run scripts/fetch-promtool.sh)", () => {});
    return;
  }

  describe.each(found)("$name", ({ binary }) => {
    it("passes `promtool check rules` on the default and the tuned rules", async () => {
      const dir = await workspace();
      for (const [file, rules] of [
        ["argusai-defaults.rules.yaml", 13],
        ["argusai-tuned.rules.yaml", 12],
      ] as const) {
        const result = await promtool(binary, ["check", "rules", file], dir);
        expect(result, file).toEqual({ code: 0, output: expect.stringContaining(`SUCCESS: ${rules} rules found`) });
      }
    });

    it("passes the committed unit tests (`promtool test rules`)", async () => {
      const dir = await workspace();
      for (const test of ["defaults.test.yaml", "tuned.test.yaml"]) {
        const result = await promtool(binary, ["test", "rules", test], dir);
        expect(result.output, test).toContain("SUCCESS");
        expect(result.code, result.output).toBe(0);
      }
    });

    it("fails a unit test that expects the wrong severity, and a rule file with a bad expression", async () => {
      const dir = await workspace();
      const test = await readFile(path.join(dir, "defaults.test.yaml"), "utf8");
      const wrong = test.replace(
        "{ severity: critical, namespace: argusai-test, job: argusai-backend, instance",
        "{ severity: warning, namespace: argusai-test, job: argusai-backend, instance",
      );
      expect(wrong).not.toBe(test);
      await writeFile(path.join(dir, "wrong.test.yaml"), wrong);
      expect((await promtool(binary, ["test", "rules", "wrong.test.yaml"], dir)).code).toBe(1);
      await writeFile(path.join(dir, "bad.rules.yaml"), stringify({ groups: [{ name: "bad", rules: [{ alert: "Bad", expr: "sum by (namespace (up)" }] }] }));
      expect((await promtool(binary, ["check", "rules", "bad.rules.yaml"], dir)).code).toBe(1);
    });
  });
});
