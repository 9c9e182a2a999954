/**
 * The `monitoring` field of an environment: what it accepts, and the clear problem (environment,
 * file, line, field) for what it does not, before anything is written.
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ArgusKustomizeError, formatProblem } from "../../src/errors.js";
import { environmentSourceFromText } from "../../src/model/environment-file.js";
import { loadEnvironments, validateEnvironment } from "../../src/model/environment-spec.js";
import { runCli, snapshotTree, tempDir } from "../helpers.js";

const HEAD = "name: watched\nnamespace: argusai-watched\nsecret:\n  mode: existing\n";

function problemsOf(text: string): readonly string[] {
  try {
    loadEnvironments([environmentSourceFromText(text, "env.yaml")]);
  } catch (error) {
    expect(error).toBeInstanceOf(ArgusKustomizeError);
    return (error as ArgusKustomizeError).problems.map(formatProblem);
  }
  return [];
}

describe("monitoring in an environment", () => {
  it("accepts an empty monitoring (every default) and a fully tuned one", () => {
    expect(problemsOf(`${HEAD}monitoring: {}\n`)).toEqual([]);
    const tuned = {
      name: "watched",
      namespace: "argusai-watched",
      secret: { mode: "existing" },
      monitoring: {
        labels: { release: "prom" },
        interval: "1m30s",
        scrapeTimeout: "1m",
        alertLabels: { team: "vision" },
        alerts: { ArgusAIBackendMemoryHigh: { threshold: 1, for: "0", severity: "page" }, ArgusAIBackendDown: { enabled: false } },
      },
    };
    expect(validateEnvironment(tuned)).toEqual([]);
  });

  it("names an unknown alert, a threshold on an alert without one, and wrong values, each at its line", () => {
    const text = [
      `${HEAD}monitoring:`,
      "  interval: 30 seconds",
      "  alerts:",
      "    ArgusAIBackendDwn: { for: 5m }",
      "    ArgusAIBackendDown: { threshold: 1 }",
      "    ArgusAIHighHTTPErrorRatio: { threshold: 1.5, severity: '' }",
      "    ArgusAIEventQueueFull: { threshold: 0, for: 5 }",
      "",
    ].join("\n");
    expect(problemsOf(text)).toEqual([
      'env.yaml:6: environment "watched", field monitoring.interval: is not a Prometheus duration (like 30s, 5m, 1h30m)',
      'env.yaml:8: environment "watched", field monitoring.alerts.ArgusAIBackendDwn: unknown field (did you mean ArgusAIBackendDown?)',
      'env.yaml:9: environment "watched", field monitoring.alerts.ArgusAIBackendDown.threshold: unknown field (known: enabled, for, severity)',
      'env.yaml:10: environment "watched", field monitoring.alerts.ArgusAIHighHTTPErrorRatio.severity: must not be empty',
      'env.yaml:10: environment "watched", field monitoring.alerts.ArgusAIHighHTTPErrorRatio.threshold: must be at most 1 (a ratio)',
      'env.yaml:11: environment "watched", field monitoring.alerts.ArgusAIEventQueueFull.for: must be a string; quote it ("5"), YAML read number 5',
      'env.yaml:11: environment "watched", field monitoring.alerts.ArgusAIEventQueueFull.threshold: must be above 0',
    ]);
  });

  it("takes only Prometheus label names as alert labels, and not severity", () => {
    const text = `${HEAD}monitoring:\n  alertLabels:\n    team: vision\n    example.com/team: vision\n    severity: page\n    __meta: x\n`;
    expect(problemsOf(text)).toEqual([
      expect.stringMatching(/^env\.yaml:8: environment "watched", field monitoring\.alertLabels\.example\.com\/team: is not a Prometheus label name/),
      'env.yaml:9: environment "watched", field monitoring.alertLabels.severity: is set per alert (monitoring.alerts.<alert>.severity), not here',
      'env.yaml:10: environment "watched", field monitoring.alertLabels.__meta: starts with __, which Prometheus reserves',
    ]);
  });

  it("refuses a NetworkPolicy that would shut Prometheus out, and a scrape timeout above the interval", () => {
    const text = `${HEAD}networkPolicy:\n  ingressControllerNamespace: ingress-nginx\nmonitoring:\n  interval: 15s\n  scrapeTimeout: 20s\n`;
    expect(problemsOf(text)).toEqual([
      'env.yaml:5: environment "watched", field networkPolicy.monitoringNamespace: is required with monitoring: the NetworkPolicy would drop Prometheus\' scrapes of /metrics; give the namespace Prometheus runs in',
      'env.yaml:9: environment "watched", field monitoring.scrapeTimeout: 20s is longer than the interval 15s: Prometheus refuses such a scrape config',
    ]);
    expect(problemsOf(`${HEAD}networkPolicy:\n  ingressControllerNamespace: ingress-nginx\n  monitoringNamespace: monitoring\nmonitoring: {}\n`)).toEqual([]);
  });

  it("the CLI exits 2 naming the file and field, and writes nothing", async () => {
    const dir = await tempDir("argusai-monitoring-cli-");
    const file = path.join(dir, "watched.yaml");
    await writeFile(file, `${HEAD}monitoring:\n  alerts:\n    ArgusAIEventQueueFull: { severity: 'pager duty' }\n`);
    const before = await snapshotTree(dir);
    const result = await runCli(["generate", "--dir", dir, "--env-file", file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${file}:7: environment "watched", field monitoring.alerts.ArgusAIEventQueueFull.severity: must be a word`);
    expect(await snapshotTree(dir)).toEqual(before);
  });
});
