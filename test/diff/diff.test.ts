/** diff A B: object/field changes between two rendered overlays, and the unified diff. */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { diffObjects, formatObjectsDiff } from "../../src/diff/objects.js";
import { runCli, tempDir } from "../helpers.js";

const STAGING = `name: staging
namespace: argusai-staging
production: true
createNamespace: false
images:
  backend: { tag: "1.4.2" }
  frontend: { tag: "1.4.2" }
replicas:
  frontend: 3
config:
  LOG_LEVEL: WARNING
secret:
  mode: existing
disruptionBudgets:
  frontend: { minAvailable: 1 }
`;

async function treeWithStaging(): Promise<string> {
  const dir = await tempDir();
  await writeFile(path.join(dir, "staging.yaml"), STAGING);
  const generated = await runCli(["generate", "--dir", dir, "--env-file", path.join(dir, "staging.yaml")]);
  expect(generated.code).toBe(0);
  return dir;
}

describe("diffObjects", () => {
  it("matches by kind/name ignoring namespaces and generated hash suffixes, also where they are referenced", () => {
    const config = (name: string, value: string) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "a" }, data: { LOG_LEVEL: value } });
    const deployment = (configName: string, namespace: string, image: string) => ({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", namespace },
      spec: { template: { spec: { containers: [{ name: "web", image, envFrom: [{ configMapRef: { name: configName } }] }] } } },
    });
    const diff = diffObjects(
      [config("argusai-config-aaaaaaaaaa", "INFO"), deployment("argusai-config-aaaaaaaaaa", "a", "web:1")],
      [
        config("argusai-config-bbbbbbbbbb", "DEBUG"),
        deployment("argusai-config-bbbbbbbbbb", "b", "web:2"),
        { apiVersion: "v1", kind: "Service", metadata: { name: "web" } },
      ],
    );
    expect(diff.changed).toEqual([
      { kind: "ConfigMap", name: "argusai-config", field: "data.LOG_LEVEL", from: "INFO", to: "DEBUG" },
      { kind: "Deployment", name: "web", field: "spec.template.spec.containers[web].image", from: "web:1", to: "web:2" },
    ]);
    expect(diff.added).toEqual([{ kind: "Service", name: "web" }]);
    expect(diff.removed).toEqual([]);
    expect(formatObjectsDiff(diff)).toEqual([
      'ConfigMap/argusai-config data.LOG_LEVEL: "INFO" → "DEBUG"',
      'Deployment/web spec.template.spec.containers[web].image: "web:1" → "web:2"',
      "+ Service/web",
    ]);
  });
});

describe("argusai-kustomize diff", () => {
  it("lists what prod changes from staging, field by field, and exits 0", async () => {
    const dir = await treeWithStaging();
    const result = await runCli(["diff", "staging", "prod", "--dir", dir]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    const lines = result.stdout.trim().split("\n");
    expect(lines).toContain('ConfigMap/argusai-config data.LOG_LEVEL: "WARNING" → "INFO"');
    expect(lines).toContain("Deployment/argusai-frontend spec.replicas: 3 → 2");
    expect(lines).toContain(
      'Deployment/argusai-backend spec.template.spec.containers[backend].image: "ghcr.io/bbengt1/argusai-backend:1.4.2" → "ghcr.io/bbengt1/argusai-backend:0.0.0-set-me"',
    );
    expect(lines).toContain('Deployment/argusai-backend metadata.labels.environment: "staging" → "prod"');
    // The ConfigMap is matched across its hash suffix; namespaces are not a change.
    expect(lines.some((line) => line.includes("namespace"))).toBe(false);
    expect(lines.some((line) => /argusai-config-[a-z0-9]{10}/.test(line))).toBe(false);
  });

  it("lists added and removed objects, and with --unified prints a unified diff of the rendered YAML, Secret values masked", async () => {
    const dir = await treeWithStaging();
    const result = await runCli(["diff", "dev", "staging", "--dir", dir, "--unified"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("\n- Secret/argusai-secrets\n");
    expect(result.stdout).toContain("\n- Namespace/argusai-dev\n");
    expect(result.stdout).toContain("+ PodDisruptionBudget/argusai-frontend\n");
    expect(result.stdout).toContain("--- overlays/dev\n+++ overlays/staging\n");
    expect(result.stdout).toContain("-  LOG_LEVEL: DEBUG\n");
    expect(result.stdout).toContain("+  LOG_LEVEL: WARNING\n");
    expect(result.stdout).toContain("ENCRYPTION_KEY: (secret value)");
    expect(result.stdout).not.toMatch(/ENCRYPTION_KEY: [A-Za-z0-9+/=]{20,}/);
  });

  it("--json: changed/added/removed as arrays of objects", async () => {
    const dir = await treeWithStaging();
    const result = await runCli(["diff", "staging", "prod", "--dir", dir, "--json"]);
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout) as {
      command: string;
      ok: boolean;
      from: string;
      to: string;
      changed: Array<Record<string, unknown>>;
      added: unknown[];
      removed: unknown[];
    };
    expect(json.command).toBe("diff");
    expect(json.ok).toBe(true);
    expect(json.from).toBe("staging");
    expect(json.to).toBe("prod");
    expect(json.changed).toContainEqual({ kind: "Deployment", name: "argusai-frontend", field: "spec.replicas", change: "changed", from: 3, to: 2 });
    expect(json.added).toEqual([]);
    expect(json.removed).toEqual([]);
    expect(json).not.toHaveProperty("unified");
  });

  it("an unknown environment exits 2, as JSON with --json", async () => {
    const dir = await treeWithStaging();
    const result = await runCli(["diff", "staging", "qa", "--dir", dir, "--json"]);
    expect(result.code).toBe(2);
    const json = JSON.parse(result.stdout) as { command: string; ok: boolean; error: { code: string; location: { environment: string } } };
    expect(json).toMatchObject({ command: "diff", ok: false, error: { code: "USAGE", location: { environment: "qa" } } });
  });
});
