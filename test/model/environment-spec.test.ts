import { describe, expect, it } from "vitest";
import { ArgusKustomizeError } from "../../src/errors.js";
import { compileTree } from "../../src/kustomize/compile.js";
import { argusBase } from "../../src/model/base.js";
import { dotted, loadEnvironments, validateEnvironment, type EnvironmentSpec } from "../../src/model/environment-spec.js";
import { devEnvironment, prodEnvironment } from "../../src/model/built-in-environments.js";
import { parseQuantity } from "../../src/model/quantity.js";

const valid: EnvironmentSpec = { name: "staging", namespace: "argusai-staging", secret: { mode: "existing" } };

const problemsOf = (spec: unknown) => validateEnvironment(spec).map((problem) => ({ field: dotted(problem.field), message: problem.message }));

describe("validateEnvironment", () => {
  it("accepts the built-in environments and a minimal one", () => {
    expect(validateEnvironment(devEnvironment())).toEqual([]);
    expect(validateEnvironment(prodEnvironment())).toEqual([]);
    expect(validateEnvironment(valid)).toEqual([]);
  });

  it.each<[string, Partial<EnvironmentSpec>, string, RegExp]>([
    ["name with capitals", { name: "Staging" }, "name", /not a DNS-1123 label/],
    ["name with a slash", { name: "../etc" }, "name", /not a DNS-1123 label/],
    ["namespace with _", { namespace: "argus_ai" }, "namespace", /not a DNS-1123 label/],
    ["bad tag", { images: { backend: { tag: "-bad" } } }, "images.backend.tag", /not a valid image tag/],
    ["bad digest", { images: { frontend: { digest: "sha256:abc" } } }, "images.frontend.digest", /64 lowercase hex/],
    [
      "tag and digest",
      { images: { frontend: { tag: "1.0", digest: `sha256:${"a".repeat(64)}` } } },
      "images.frontend.digest",
      /give a tag or a digest, not both/,
    ],
    ["fractional replicas", { replicas: { frontend: 1.5 } }, "replicas.frontend", /is not a whole number/],
    ["negative replicas", { replicas: { frontend: -1 } }, "replicas.frontend", /must be >= 0/],
    ["two backend writers", { replicas: { backend: 2 } }, "replicas.backend", /single writer of its data \(the backend: a SQLite file/],
    ["bad quantity", { resources: { backend: { limits: { memory: "512MB" } } } }, "resources.backend.limits.memory", /not a Kubernetes quantity/],
    [
      "requests above limits",
      { resources: { frontend: { requests: { cpu: "2" }, limits: { cpu: "500m" } } } },
      "resources.frontend.requests.cpu",
      /above the limit/,
    ],
    ["bad ingress host", { ingress: { host: "Argus AI.example" } }, "ingress.host", /"Argus AI.example" is not a DNS name/],
    ["bad storage size", { storage: { size: "ten gigs" } }, "storage.size", /not a Kubernetes quantity/],
    ["PDB that blocks drains", { disruptionBudgets: { frontend: { minAvailable: 1 } } }, "disruptionBudgets.frontend.minAvailable", /block every node drain/],
    ["bad config key", { config: { "BAD KEY": "x" } }, "config.BAD KEY", /not a valid ConfigMap key/],
    ["prod with latest", { production: true, images: { backend: { tag: "latest" }, frontend: { tag: "1.0.0" } } }, "images.backend", /never latest/],
    ["prod with generated secret", { ...prodEnvironment(), name: "staging", secret: { mode: "generated" } }, "secret.mode", /must not generate its Secret/],
  ])("reports %s on its field", (_, change, field, message) => {
    const problems = problemsOf({ ...valid, ...change });
    expect(problems.map((problem) => problem.field)).toContain(field);
    expect(problems.find((problem) => problem.field === field)?.message).toMatch(message);
  });

  it("reports every problem of a spec at once, naming the environment and field", () => {
    const spec: EnvironmentSpec = { ...valid, namespace: "Bad", replicas: { backend: 3 }, storage: { size: "1 Gi" } };
    try {
      loadEnvironments([{ spec }]);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ArgusKustomizeError);
      const e = error as ArgusKustomizeError;
      expect(e.code).toBe("INVALID_SPEC");
      expect(e.problems).toEqual([
        {
          environment: "staging",
          field: "namespace",
          message: "is not a DNS-1123 label (lowercase letters, digits and '-', starting and ending with a letter or digit)",
        },
        { environment: "staging", field: "storage.size", message: '"1 Gi" is not a Kubernetes quantity (like 10Gi)' },
        {
          environment: "staging",
          field: "replicas.backend",
          message: "must be 0 or 1: the backend is the single writer of its data (the backend: a SQLite file on a ReadWriteOnce volume)",
        },
      ]);
      expect(e.message).toContain('\n  environment "staging", field storage.size: "1 Gi" is not a Kubernetes quantity (like 10Gi)');
    }
  });

  it("rejects two environments with one name", () => {
    expect(() => loadEnvironments([{ spec: valid }, { spec: { ...valid, namespace: "other" }, file: "envs/b.yaml" }])).toThrow(
      /envs\/b.yaml:?\d*: environment "staging", field name: "staging" is already the name of the environment from a script/,
    );
  });

  it("checks requests against the base's limits when the spec gives no limit", () => {
    const spec: EnvironmentSpec = { ...valid, resources: { backend: { requests: { memory: "2Gi" } } } };
    expect(() => compileTree(argusBase(), [spec])).toThrow(
      /environment "staging", field resources.backend.requests.memory: request 2Gi is above the limit 1Gi/,
    );
  });
});

describe("parseQuantity", () => {
  const nanos = (units: bigint) => units * 1_000_000_000n;
  it.each([
    ["512Mi", nanos(512n * 2n ** 20n)],
    ["1Gi", nanos(2n ** 30n)],
    ["250m", 250_000_000n],
    ["1000m", nanos(1n)],
    ["1.5", 1_500_000_000n],
    ["1e3", nanos(1000n)],
    ["2k", nanos(2000n)],
  ])("reads %s", (text, value) => {
    expect(parseQuantity(text)).toEqual({ ok: true, value: { nanos: value } });
  });

  it.each(["512MB", "1 Gi", "", "Mi", "1.2.3", "ten"])("rejects %j", (text) => {
    expect(parseQuantity(text).ok).toBe(false);
  });
});
