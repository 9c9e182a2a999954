/**
 * Tolerations, affinity and label selectors against tables derived from
 * pkg/apis/core/validation/validation.go:
 * - ValidateTolerations: a non-empty key is a qualified name; an empty key needs operator Exists;
 *   tolerationSeconds needs effect NoExecute; Equal (or no operator) takes a label value; Exists
 *   takes no value.
 * - ValidateNodeSelector: nodeSelectorTerms must hold at least one term.
 * - ValidateNodeSelectorRequirement: In/NotIn need values, Exists/DoesNotExist take none, Gt/Lt
 *   take exactly one; any other operator is refused; the key is a qualified name, values label values.
 * - ValidateNodeFieldSelectorRequirement: key metadata.name only, In/NotIn with exactly one value.
 * - ValidatePreferredSchedulingTerms / validateWeightedPodAffinityTerms: weight 1-100.
 * - validatePodAffinityTerm: topologyKey required (a qualified name), namespaces are DNS labels,
 *   labelSelector and namespaceSelector by ValidateLabelSelector (operators as above without
 *   Gt/Lt), matchLabelKeys/mismatchLabelKeys need a labelSelector, may not share a key, and may not
 *   repeat a key of labelSelector.matchExpressions.
 */
import { describe, expect, it } from "vitest";
import { affinityProblems, labelSelectorProblems, tolerationProblems, type FieldProblem } from "../../src/kubernetes/scheduling.js";

const shown = (problems: readonly FieldProblem[]) => problems.map((problem) => `${problem.field.join(".")}: ${problem.message}`);

describe("ValidateTolerations", () => {
  it.each<[string, Record<string, unknown>, RegExp[]]>([
    ["key, Equal, value, effect", { key: "dedicated", operator: "Equal", value: "argusai", effect: "NoSchedule" }, []],
    ["no operator means Equal", { key: "dedicated", value: "argusai" }, []],
    ["Exists without value", { key: "dedicated", operator: "Exists", effect: "NoSchedule" }, []],
    ["empty key with Exists tolerates everything", { operator: "Exists" }, []],
    ["tolerationSeconds with NoExecute", { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 }, []],
    ["negative tolerationSeconds are allowed (treated as 0)", { key: "a", operator: "Exists", effect: "NoExecute", tolerationSeconds: -5 }, []],
    [
      "tolerationSeconds with NoSchedule",
      { key: "a", operator: "Exists", effect: "NoSchedule", tolerationSeconds: 60 },
      [/^effect: must be NoExecute when tolerationSeconds is set/],
    ],
    ["tolerationSeconds without effect", { key: "a", operator: "Exists", tolerationSeconds: 60 }, [/^effect: must be NoExecute/]],
    ["Exists with a value", { key: "a", operator: "Exists", value: "b" }, [/^value: must be empty when operator is Exists .*not "b"/]],
    ["empty key without Exists", { value: "b" }, [/^operator: must be Exists when key is empty/]],
    ["empty key with Equal", { key: "", operator: "Equal" }, [/^operator: must be Exists when key is empty/]],
    ["a bad key", { key: "bad key", operator: "Exists" }, [/^key: "bad key" is not a valid key/]],
    ["a bad value", { key: "a", value: "not a label value" }, [/^value: "not a label value" is not a valid label value/]],
    ["a value too long", { key: "a", value: "v".repeat(64) }, [/^value: is 64 characters long/]],
    [
      "every problem at once",
      { value: "b", operator: "Exists", tolerationSeconds: 1, effect: "NoSchedule" },
      [/^effect: must be NoExecute/, /^value: must be empty/],
    ],
    [
      "an empty key with Equal, a bad value and tolerationSeconds, all at once",
      { operator: "Equal", value: "a b", tolerationSeconds: 1 },
      [/^operator: must be Exists/, /^effect: must be NoExecute/, /^value: "a b" is not a valid label value/],
    ],
  ])("%s", (_, toleration, expected) => {
    const problems = shown(tolerationProblems(toleration));
    expect(problems).toEqual(expected.map((pattern) => expect.stringMatching(pattern)));
  });
});

const term = (expression: Record<string, unknown>) => ({
  nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [expression] }] } },
});
const REQUIRED = "nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution";

describe("validateAffinity: node affinity", () => {
  it.each<[string, unknown, RegExp[]]>([
    ["In with values", term({ key: "kubernetes.io/arch", operator: "In", values: ["amd64", "arm64"] }), []],
    ["Exists without values", term({ key: "gpu", operator: "Exists" }), []],
    ["Gt with one value", term({ key: "cores", operator: "Gt", values: ["4"] }), []],
    [
      "matchFields on metadata.name",
      {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: ["node-1"] }] }],
          },
        },
      },
      [],
    ],
    [
      "nodeSelectorTerms: []",
      { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } },
      [new RegExp(`^${REQUIRED}.nodeSelectorTerms: must hold at least one node selector term`)],
    ],
    ["no nodeSelectorTerms", { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: {} } }, [/nodeSelectorTerms: must hold at least one/]],
    [
      "In without values",
      term({ key: "a", operator: "In", values: [] }),
      [new RegExp(`^${REQUIRED}.nodeSelectorTerms.0.matchExpressions.0.values: must hold at least one value when operator is In`)],
    ],
    ["Exists with values", term({ key: "a", operator: "Exists", values: ["x"] }), [/values: must be empty when operator is Exists/]],
    ["Lt with two values", term({ key: "a", operator: "Lt", values: ["1", "2"] }), [/values: must hold exactly one value when operator is Lt/]],
    ["an unknown operator", term({ key: "a", operator: "Equals", values: ["x"] }), [/operator: "Equals" is not a node selector operator/]],
    ["a bad key", term({ key: "a b", operator: "Exists" }), [/key: "a b" is not a valid key/]],
    ["no key", term({ operator: "Exists" }), [/key: is required/]],
    ["a bad value", term({ key: "a", operator: "In", values: ["a b"] }), [/values.0: "a b" is not a valid label value/]],
    [
      "matchFields on a label",
      {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchFields: [{ key: "kubernetes.io/hostname", operator: "In", values: ["n"] }] }],
          },
        },
      },
      [/matchFields.0.key: "kubernetes.io\/hostname" is not a node field selector key/],
    ],
    [
      "matchFields with two names",
      {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: ["a", "b"] }] }],
          },
        },
      },
      [/matchFields.0.values: must hold exactly one node name/],
    ],
    [
      "preferred weight 0",
      {
        nodeAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 0, preference: { matchExpressions: [{ key: "a", operator: "Exists" }] } }],
        },
      },
      [/^nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution.0.weight: must be a whole number from 1 to 100/],
    ],
    [
      "preferred weight 101",
      { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 101, preference: {} }] } },
      [/weight: must be a whole number from 1 to 100/],
    ],
    ["preferred weight 100", { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, preference: {} }] } }, []],
  ])("%s", (_, affinity, expected) => {
    expect(shown(affinityProblems(affinity))).toEqual(expected.map((pattern) => expect.stringMatching(pattern)));
  });
});

const podTerm = (fields: Record<string, unknown>) => ({
  podAntiAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { app: "argusai" } }, ...fields }],
  },
});
const ANTI = "podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution.0";

describe("validateAffinity: pod (anti-)affinity", () => {
  it.each<[string, unknown, RegExp[]]>([
    ["a plain term", podTerm({}), []],
    ["namespaces", podTerm({ namespaces: ["argusai-prod"] }), []],
    ["matchLabelKeys", podTerm({ matchLabelKeys: ["pod-template-hash"] }), []],
    [
      "weighted",
      { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, podAffinityTerm: { topologyKey: "topology.kubernetes.io/zone" } }] } },
      [],
    ],
    ["no topologyKey", podTerm({ topologyKey: "" }), [new RegExp(`^${ANTI}.topologyKey: is required`)]],
    ["a bad topologyKey", podTerm({ topologyKey: "a/b/c" }), [/topologyKey: "a\/b\/c" is not a valid key/]],
    ["a bad namespace", podTerm({ namespaces: ["Prod"] }), [new RegExp(`^${ANTI}.namespaces.0: "Prod" is not a DNS-1123 label`)]],
    [
      "matchLabelKeys without labelSelector",
      podTerm({ labelSelector: undefined, matchLabelKeys: ["a"] }),
      [/matchLabelKeys: must not be set without a labelSelector/],
    ],
    [
      "a key in both lists",
      podTerm({ matchLabelKeys: ["a"], mismatchLabelKeys: ["a"] }),
      [/mismatchLabelKeys.0: "a" is in both matchLabelKeys and mismatchLabelKeys/],
    ],
    [
      "a key also in the selector",
      podTerm({ labelSelector: { matchExpressions: [{ key: "a", operator: "Exists" }] }, matchLabelKeys: ["a"] }),
      [/matchLabelKeys.0: "a" is also in labelSelector.matchExpressions/],
    ],
    [
      "weight 0",
      { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 0, podAffinityTerm: { topologyKey: "zone" } }] } },
      [/^podAffinity.preferredDuringSchedulingIgnoredDuringExecution.0.weight: must be a whole number from 1 to 100/],
    ],
    [
      "a selector with Gt",
      podTerm({ labelSelector: { matchExpressions: [{ key: "a", operator: "Gt", values: ["1"] }] } }),
      [/labelSelector.matchExpressions.0.operator: "Gt" is not a label selector operator/],
    ],
    [
      "terms not a list",
      { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { topologyKey: "zone" } } },
      [/^podAffinity.requiredDuringSchedulingIgnoredDuringExecution: must be a list/],
    ],
  ])("%s", (_, affinity, expected) => {
    expect(shown(affinityProblems(affinity))).toEqual(expected.map((pattern) => expect.stringMatching(pattern)));
  });
});

describe("ValidateLabelSelector", () => {
  it.each<[string, unknown, RegExp[]]>([
    ["matchLabels", { matchLabels: { app: "argusai", "app.kubernetes.io/name": "argusai" } }, []],
    ["In with values", { matchExpressions: [{ key: "tier", operator: "In", values: ["web"] }] }, []],
    [
      "NotIn without values",
      { matchExpressions: [{ key: "tier", operator: "NotIn", values: [] }] },
      [/^matchExpressions.0.values: must hold at least one value when operator is NotIn/],
    ],
    [
      "DoesNotExist with values",
      { matchExpressions: [{ key: "tier", operator: "DoesNotExist", values: ["x"] }] },
      [/values: must be empty when operator is DoesNotExist/],
    ],
    ["a bad label value", { matchLabels: { app: "argus ai" } }, [/^matchLabels.app: "argus ai" is not a valid label value/]],
    ["a bad label key", { matchLabels: { "-app": "x" } }, [/^matchLabels.-app: "-app" is not a valid key/]],
    ["not a mapping", "app=argusai", [/must be a mapping/]],
  ])("%s", (_, selector, expected) => {
    expect(shown(labelSelectorProblems(selector))).toEqual(expected.map((pattern) => expect.stringMatching(pattern)));
  });
});
