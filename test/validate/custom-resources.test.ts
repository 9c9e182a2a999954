/**
 * Custom resources are validated against their CRDs' own OpenAPI schemas (vendored from the shared
 * CRD folder by scripts/vendor-crds.mjs), like the API server: types, patterns (Go syntax), enums,
 * required fields, list keys and unknown fields. The vendored schemas are proven equal to the CRD
 * files, less their descriptions.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ARGUSAI_COMPONENTS } from "../../src/model/components.js";
import { prometheusRule, serviceMonitor } from "../../src/kustomize/monitoring-objects.js";
import { SCHEMAS } from "../../src/validate/crds/monitoring.coreos.com.generated.js";
import { customResourceValidator } from "../../src/validate/custom-resources.js";
import { schemaViolations } from "../../src/validate/schema.js";
// @ts-expect-error: a plain .mjs script without types
import { servedSchemas } from "../../scripts/vendor-crds.mjs";

type Mutable = Record<string, any>;
const REQUIRE_ALL = ["CI", "ARGUSAI_CI"].some((name) => Boolean(process.env[name]));
const target = { environment: "crd", namespace: "argusai-crd", monitoring: { interval: "30s", alertLabels: { team: "a" } } };
const monitor = () => ({ ...structuredClone(serviceMonitor(ARGUSAI_COMPONENTS, target)), metadata: { name: "argusai-backend", namespace: "argusai-crd" } }) as Mutable;
const rule = () => structuredClone(prometheusRule(ARGUSAI_COMPONENTS, target)) as Mutable;
const brief = async (object: Mutable) => (await schemaViolations(object)).map((violation) => `${violation.policy} ${violation.object} ${violation.field}: ${violation.message}`);

/** The shared CRD folder: beside the clone in CI, two levels up in a worktree, or ARGUSAI_CRDS_DIR. */
const CRDS = [process.env["ARGUSAI_CRDS_DIR"], path.resolve("../shared/crds"), path.resolve("../../shared/crds")].find((dir) => dir !== undefined && existsSync(dir));

describe("the vendored CRD schemas", () => {
  it.skipIf(CRDS === undefined && !REQUIRE_ALL)(`equal the CRD files' served schemas, less descriptions${CRDS === undefined ? " (skipped: no shared/crds here)" : ""}`, () => {
    expect(CRDS, "the shared CRD folder").toBeDefined();
    const fromFiles = ["monitoring.coreos.com_servicemonitors.yaml", "monitoring.coreos.com_prometheusrules.yaml"].flatMap((file) =>
      servedSchemas(readFileSync(path.join(CRDS!, "prometheus-operator", file), "utf8")),
    );
    expect(SCHEMAS).toEqual(fromFiles);
    expect(SCHEMAS.map((entry) => `${entry.apiVersion} ${entry.kind}`)).toEqual(["monitoring.coreos.com/v1 ServiceMonitor", "monitoring.coreos.com/v1 PrometheusRule"]);
  });

  it("are found by apiVersion and kind; a kind not vendored has none", async () => {
    expect((await customResourceValidator("monitoring.coreos.com/v1", "ServiceMonitor"))?.kind).toBe("ServiceMonitor");
    expect(await customResourceValidator("monitoring.coreos.com/v1", "PodMonitor")).toBeUndefined();
    expect(await customResourceValidator("monitoring.coreos.com/v1beta1", "ServiceMonitor")).toBeUndefined();
    expect(await brief({ apiVersion: "monitoring.coreos.com/v1", kind: "PodMonitor", metadata: { name: "x" } })).toEqual([
      "schema-kind PodMonitor/x apiVersion: no schema for monitoring.coreos.com/v1 PodMonitor",
    ]);
  });
});

describe("a ServiceMonitor against its CRD", () => {
  it("passes as the package writes it", async () => {
    expect(await brief(monitor())).toEqual([]);
  });

  it("reports a misspelled field, a bad duration, a scheme out of its enum and a wrong type", async () => {
    const object = monitor();
    object["spec"].endpoints[0].intervall = "30s";
    object["spec"].endpoints[0].scrapeTimeout = "10 s";
    object["spec"].endpoints[0].scheme = "ftp";
    object["spec"].namespaceSelector.matchNames = "argusai-crd";
    object["spek"] = {};
    expect(await brief(object)).toEqual([
      "schema ServiceMonitor/argusai-backend spec.endpoints.0.scheme: must be one of: http, https, HTTP, HTTPS",
      expect.stringMatching(/^schema ServiceMonitor\/argusai-backend spec\.endpoints\.0\.scrapeTimeout: does not match the pattern/),
      "schema ServiceMonitor/argusai-backend spec.namespaceSelector.matchNames: must be array",
      expect.stringMatching(/^schema-unknown-field ServiceMonitor\/argusai-backend spec\.endpoints\.0\.intervall: is not a field/),
      expect.stringMatching(/^schema-unknown-field ServiceMonitor\/argusai-backend spek: is not a field/),
    ]);
  });

  it("takes an int-or-string targetPort either way, and nothing else", async () => {
    const object = monitor();
    object["spec"].endpoints[0].targetPort = 8000;
    expect(await brief(object)).toEqual([]);
    object["spec"].endpoints[0].targetPort = "http";
    expect(await brief(object)).toEqual([]);
    object["spec"].endpoints[0].targetPort = true;
    expect(await brief(object)).toEqual(["schema ServiceMonitor/argusai-backend spec.endpoints.0.targetPort: must be integer or string"]);
  });
});

describe("a PrometheusRule against its CRD", () => {
  it("passes as the package writes it", async () => {
    expect(await brief(rule())).toEqual([]);
  });

  it("reports a rule without expr, a bad for, and two groups of one name (a list keyed by name)", async () => {
    const object = rule();
    delete object["spec"].groups[1].rules[0].expr;
    object["spec"].groups[1].rules[1].for = "ten minutes";
    object["spec"].groups.push({ name: "argusai.rules", rules: [] });
    expect(await brief(object)).toEqual([
      "schema PrometheusRule/argusai spec.groups.1.rules.0.expr: is required",
      expect.stringMatching(/^schema PrometheusRule\/argusai spec\.groups\.1\.rules\.1\.for: does not match the pattern/),
      "schema PrometheusRule/argusai spec.groups.2: has the same name as item 0 (a list of type map takes each once)",
    ]);
  });

  it("reads the CRD's Go patterns as Go does: (?i) is case-insensitive", async () => {
    const object = rule();
    object["spec"].groups[0].partial_response_strategy = "ABORT";
    expect(await brief(object)).toEqual([]);
    object["spec"].groups[0].partial_response_strategy = "never";
    expect(await brief(object)).toEqual([expect.stringMatching(/^schema PrometheusRule\/argusai spec\.groups\.0\.partial_response_strategy: does not match the pattern/)]);
  });
});
