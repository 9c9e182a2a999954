/**
 * The API server's rules on the fields an environment accepts, and the messages around them
 * (every case here was accepted, refused or worded wrongly before these rules). Each rule's
 * upstream table is in test/kubernetes/; here, that the environment applies it on the right
 * field, reports every independent problem at once, derives nothing from a field that is itself
 * wrong, and echoes the offending value.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ArgusKustomizeError } from "../../src/errors.js";
import { environmentSourceFromText } from "../../src/model/environment-file.js";
import { dotted, validateEnvironment } from "../../src/model/environment-spec.js";

const base = { name: "staging", namespace: "argusai-staging", secret: { mode: "existing" } };
const problemsOf = (change: Record<string, unknown>) =>
  validateEnvironment({ ...base, ...change }).map((problem) => `${dotted(problem.field)}: ${problem.message}`);
const scheduling = (backend: Record<string, unknown>) => ({ scheduling: { backend } });

describe("rules the API server enforces, refused before anything is written", () => {
  it.each<[string, Record<string, unknown>, RegExp]>([
    [
      "tolerationSeconds with effect NoSchedule",
      scheduling({ tolerations: [{ key: "a", operator: "Exists", effect: "NoSchedule", tolerationSeconds: 30 }] }),
      /^scheduling\.backend\.tolerations\.0\.effect: must be NoExecute when tolerationSeconds is set/,
    ],
    [
      "operator Exists with a value",
      scheduling({ tolerations: [{ key: "a", operator: "Exists", value: "b" }] }),
      /^scheduling\.backend\.tolerations\.0\.value: must be empty when operator is Exists/,
    ],
    [
      "an empty key without Exists",
      scheduling({ tolerations: [{ key: "", operator: "Equal", value: "b" }] }),
      /^scheduling\.backend\.tolerations\.0\.operator: must be Exists when key is empty/,
    ],
    [
      "nodeSelectorTerms: []",
      scheduling({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } } }),
      /^scheduling\.backend\.affinity\.nodeAffinity\.requiredDuringSchedulingIgnoredDuringExecution\.nodeSelectorTerms: must hold at least one node selector term/,
    ],
    [
      "a pod anti-affinity term without topologyKey",
      scheduling({
        affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: "argusai" } } }] } },
      }),
      /\.topologyKey: is required/,
    ],
    [
      "CIDR 10.0.0.0/33",
      { networkPolicy: { ingressControllerNamespace: "ingress-nginx", egress: { allowCidrs: ["10.0.0.0/33"] } } },
      /^networkPolicy\.egress\.allowCidrs\.0: "10\.0\.0\.0\/33" is not a CIDR: the prefix length \/33 is above 32/,
    ],
    [
      "CIDR 300.1.2.3/8",
      { networkPolicy: { ingressControllerNamespace: "ingress-nginx", egress: { allowCidrs: ["300.1.2.3/8"] } } },
      /^networkPolicy\.egress\.allowCidrs\.0: "300\.1\.2\.3\/8" is not a CIDR/,
    ],
    [
      "CIDR fe80::/200",
      { networkPolicy: { ingressControllerNamespace: "ingress-nginx", egress: { allowCidrs: ["fe80::/200"] } } },
      /^networkPolicy\.egress\.allowCidrs\.0: "fe80::\/200" is not a CIDR/,
    ],
    [
      "an except entry outside its cidr",
      { networkPolicy: { ingressControllerNamespace: "ingress-nginx", egress: { allowCidrs: [{ cidr: "10.0.0.0/8", except: ["192.168.0.0/16"] }] } } },
      /^networkPolicy\.egress\.allowCidrs\.0\.except\.0: "192\.168\.0\.0\/16" is not a strict subset of "10\.0\.0\.0\/8"/,
    ],
    ["a label value with a space", { services: { labels: { team: "data science" } } }, /^services\.labels\.team: "data science" is not a valid label value/],
    [
      "annotations over 256 KiB in bytes of UTF-8",
      { serviceAccount: { annotations: { note: "é".repeat(131_072) } } },
      /^serviceAccount\.annotations: are 262148 bytes in all/,
    ],
    ["an IP address as host", { ingress: { host: "10.0.0.1" } }, /^ingress\.host: "10\.0\.0\.1" is an IP address/],
    [
      "a wildcard not as the first label",
      { ingress: { host: "api.*.example.com" } },
      /^ingress\.host: "api\.\*\.example\.com" is not a wildcard host: '\*' may only be the whole first label/,
    ],
  ])("%s", (_, change, expected) => {
    expect(problemsOf(change)).toEqual([expect.stringMatching(expected)]);
  });
});

describe("what the API server accepts, accepted", () => {
  it.each<[string, Record<string, unknown>]>([
    ["a wildcard Ingress host", { ingress: { host: "*.example.com" } }],
    ["storage.size 1Ei (a Quantity holds up to 2^63-1)", { storage: { size: "1Ei" } }],
    ["memory 1Ei", { resources: { frontend: { limits: { memory: "1Ei" }, requests: { memory: "1Ei" } } } }],
    ["an annotation key with uppercase (checked lowercased)", { services: { annotations: { "Example.COM/Owner": "data" } } }],
    ["a toleration of every taint", scheduling({ tolerations: [{ operator: "Exists" }] })],
    [
      "tolerationSeconds with NoExecute",
      scheduling({ tolerations: [{ key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 }] }),
    ],
    [
      "an ipBlock with except",
      {
        networkPolicy: {
          ingressControllerNamespace: "ingress-nginx",
          egress: { allowCidrs: ["203.0.113.0/24", { cidr: "10.0.0.0/8", except: ["10.1.0.0/16"] }] },
        },
      },
    ],
    [
      "a full node and pod affinity",
      scheduling({
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/arch", operator: "In", values: ["amd64"] }] }],
            },
          },
          podAntiAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [
              { weight: 100, podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { component: "backend" } } } },
            ],
          },
        },
      }),
    ],
  ])("%s", (_, change) => {
    expect(problemsOf(change)).toEqual([]);
  });
});

describe("disruption budgets as the disruption controller computes them", () => {
  it.each<[string, Record<string, unknown>, string]>([
    [
      "50% of one backend pod",
      { disruptionBudgets: { backend: { minAvailable: "50%" } } },
      "disruptionBudgets.backend.minAvailable: 50% with 1 replica(s) (50% of 1, rounded up as the disruption controller does, is 1) would block every node drain; use fewer than the replicas, or say so plainly with maxUnavailable: 0",
    ],
    [
      "60% of two frontend pods",
      { replicas: { frontend: 2 }, disruptionBudgets: { frontend: { minAvailable: "60%" } } },
      "disruptionBudgets.frontend.minAvailable: 60% with 2 replica(s) (60% of 2, rounded up as the disruption controller does, is 2)",
    ],
    [
      "67% of the autoscaler's minimum of 3",
      {
        autoscaling: { frontend: { minReplicas: 3, maxReplicas: 6, targetCPUUtilizationPercentage: 70 } },
        disruptionBudgets: { frontend: { minAvailable: "67%" } },
      },
      "disruptionBudgets.frontend.minAvailable: 67% with 3 replica(s) (67% of 3, rounded up",
    ],
  ])("%s is refused like the same budget as a count", (_, change, expected) => {
    expect(problemsOf(change)).toEqual([expect.stringContaining(expected)]);
  });

  it("agrees with whole-number arithmetic for every percentage and replica count", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 1, max: 8 }), (percent, replicas) => {
        const problems = problemsOf({ replicas: { frontend: replicas }, disruptionBudgets: { frontend: { minAvailable: `${percent}%` } } });
        // A drain may evict while healthy (all pods) > ceil(percent × replicas / 100).
        const blocked = percent > 0 && percent * replicas > 100 * (replicas - 1);
        expect(problems).toEqual(blocked ? [expect.stringMatching(/^disruptionBudgets\.frontend\.minAvailable: .*would block every node drain/)] : []);
      }),
    );
  });
});

describe("messages: every problem at once, none derived from a wrong field", () => {
  it("one bad memory quantity does not hide a cpu request above its limit", () => {
    expect(problemsOf({ resources: { frontend: { requests: { cpu: "2", memory: "512MB" }, limits: { cpu: "1" } } } })).toEqual([
      'resources.frontend.requests.memory: "512MB" is not a Kubernetes quantity (like 512Mi)',
      "resources.frontend.requests.cpu: request 2 is above the limit 1 (a value not given is the base's)",
    ]);
  });

  it("both a cpu and a memory request above their limits are reported", () => {
    expect(problemsOf({ resources: { frontend: { requests: { cpu: "2", memory: "2Gi" }, limits: { cpu: "1", memory: "1Gi" } } } })).toEqual([
      "resources.frontend.requests.cpu: request 2 is above the limit 1 (a value not given is the base's)",
      "resources.frontend.requests.memory: request 2Gi is above the limit 1Gi (a value not given is the base's)",
    ]);
  });

  it("the typo minReplica is reported, and no drain warning is computed without the autoscaler's minimum", () => {
    const problems = problemsOf({
      autoscaling: { frontend: { minReplica: 2, maxReplicas: 4, targetCPUUtilizationPercentage: 50 } },
      disruptionBudgets: { frontend: { minAvailable: 1 } },
    });
    expect(problems).toEqual(["autoscaling.frontend.minReplicas: is required", "autoscaling.frontend.minReplica: unknown field (did you mean minReplicas?)"]);
  });

  it("a replica count that is not a number gives no drain warning either", () => {
    expect(problemsOf({ replicas: { frontend: "two" }, disruptionBudgets: { frontend: { minAvailable: 1 } } })).toEqual([
      expect.stringMatching(/^replicas\.frontend: /),
    ]);
  });

  it("independent problems of one toleration, of two tolerations and of a quantity all come at once", () => {
    const problems = problemsOf({
      ...scheduling({
        tolerations: [
          { operator: "Exists", value: "x", tolerationSeconds: 5 },
          { key: "bad key", value: "v" },
        ],
      }),
      storage: { size: "-5Gi" },
    });
    expect(problems).toEqual([
      'storage.size: "-5Gi" must not be negative',
      expect.stringMatching(/^scheduling\.backend\.tolerations\.0\.effect: must be NoExecute/),
      expect.stringMatching(/^scheduling\.backend\.tolerations\.0\.value: must be empty when operator is Exists/),
      expect.stringMatching(/^scheduling\.backend\.tolerations\.1\.key: "bad key" is not a valid key/),
    ]);
  });

  it("tolerations generated over the rule's whole domain are refused exactly where ValidateTolerations refuses them", () => {
    const qualified = new Set(["", "a", "example.com/gpu"]);
    const labelValue = new Set(["", "v", "1.0"]);
    fc.assert(
      fc.property(
        fc.array(
          fc.record(
            {
              key: fc.constantFrom("", "a", "example.com/gpu", "bad key", "-x"),
              operator: fc.constantFrom("Equal", "Exists"),
              value: fc.constantFrom("", "v", "1.0", "bad value", "-"),
              effect: fc.constantFrom("NoSchedule", "PreferNoSchedule", "NoExecute"),
              tolerationSeconds: fc.integer({ min: -10, max: 3600 }),
            },
            { requiredKeys: [] },
          ),
          { minLength: 1, maxLength: 3 },
        ),
        (tolerations) => {
          const problems = validateEnvironment({ ...base, ...scheduling({ tolerations }) });
          tolerations.forEach((toleration, index) => {
            const key = toleration.key ?? "";
            const operator = toleration.operator ?? "";
            const value = toleration.value ?? "";
            // ValidateTolerations, written out from the upstream source.
            const invalid =
              !qualified.has(key) ||
              (key === "" && operator !== "Exists") ||
              (toleration.tolerationSeconds !== undefined && toleration.effect !== "NoExecute") ||
              (operator === "Exists" ? value !== "" : !labelValue.has(value));
            const reported = problems.some((problem) => dotted(problem.field).startsWith(`scheduling.backend.tolerations.${index}`));
            expect(reported, JSON.stringify(toleration)).toBe(invalid);
          });
        },
      ),
    );
  });
});

describe("YAML syntax errors: the right line, our words, the fix", () => {
  const HEAD = "name: staging\nnamespace: argusai-staging\nsecret:\n  mode: existing\n";
  const syntaxError = (text: string) => {
    try {
      environmentSourceFromText(text, "env.yaml");
    } catch (error) {
      expect(error).toBeInstanceOf(ArgusKustomizeError);
      return { line: (error as ArgusKustomizeError).location?.line, message: (error as Error).message };
    }
    throw new Error("expected a syntax error");
  };

  it.each<[string, string, number, RegExp]>([
    [
      "a key indented one space too deep",
      `${HEAD}replicas:\n  backend: 1\n   frontend: 2\n`,
      7,
      /line 7 is indented by 3 space\(s\), which lines up with no key above it \(expected 0 or 2\): indent it like the other keys of its mapping/,
    ],
    ["a key indented one space too shallow", `${HEAD}replicas:\n  backend: 1\n frontend: 2\n`, 7, /line 7 is indented by 1 space\(s\)/],
    ["a tab as indentation", `${HEAD}replicas:\n\tbackend: 1\n`, 6, /line 6 is indented with a tab: YAML indents with spaces only/],
    [
      "an unclosed quote",
      `${HEAD}config:\n  LOG_LEVEL: "INFO\n  DEBUG: "false"\n`,
      6,
      /line 6 opens a quoted value that is never closed: add the closing quote/,
    ],
    ["a key without a colon", `${HEAD}production true\n`, 5, /line 5 is not `key: value` as YAML reads it: a key needs a colon and a space after it/],
    [
      "an unclosed flow mapping",
      `${HEAD}images: { backend: { tag: "1.4.2" }\nreplicas: { frontend: 2 }\n`,
      5,
      /line 5 opens a \{ \} or \[ \] that is not closed/,
    ],
  ])("%s", (_, text, line, message) => {
    const error = syntaxError(text);
    expect(error.line).toBe(line);
    expect(error.message).toMatch(message);
    // Our words, not the YAML library's.
    expect(error.message).not.toMatch(/Nested mappings|Implicit keys|compact mappings|Missing closing|must be sufficiently indented|All mapping items/);
  });
});
