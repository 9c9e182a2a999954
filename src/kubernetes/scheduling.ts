import { quoted } from "../printable.js";
import { dns1123LabelProblems, dns1123SubdomainProblems, labelValueProblems, qualifiedNameProblems } from "./names-rules.js";

/*
 * The API server's rules for where pods may run, mirrored from pkg/apis/core/validation
 * (ValidateTolerations, validateAffinity and what it calls: ValidateNodeSelector,
 * ValidateNodeSelectorRequirement, ValidateNodeFieldSelectorRequirement,
 * ValidatePreferredSchedulingTerms, validatePodAffinityTerm, validateWeightedPodAffinityTerms)
 * and apimachinery's ValidateLabelSelector. They read possibly malformed input (an affinity is
 * free-form in the environment schema), so every access is guarded, and a value of the wrong
 * type is reported where it is read.
 */

/** One problem, at a field relative to the value checked. */
export interface FieldProblem {
  readonly field: ReadonlyArray<string | number>;
  readonly message: string;
}

type Path = ReadonlyArray<string | number>;

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** ValidateTolerations, for one toleration. */
export function tolerationProblems(toleration: unknown): FieldProblem[] {
  const value = asRecord(toleration);
  if (value === undefined) return [{ field: [], message: "must be a mapping (key, operator, value, effect, tolerationSeconds)" }];
  const problems: FieldProblem[] = [];
  const key = typeof value["key"] === "string" ? value["key"] : "";
  const operator = value["operator"] ?? "";
  const tolerated = typeof value["value"] === "string" ? value["value"] : "";
  if (key !== "") for (const message of qualifiedNameProblems(key)) problems.push({ field: ["key"], message });
  if (key === "" && operator !== "Exists") {
    problems.push({ field: ["operator"], message: "must be Exists when key is empty (an empty key with Exists tolerates every taint)" });
  }
  if (value["tolerationSeconds"] !== undefined && value["effect"] !== "NoExecute") {
    problems.push({ field: ["effect"], message: "must be NoExecute when tolerationSeconds is set (only a NoExecute taint evicts after a time)" });
  }
  if (operator === "Exists" && tolerated !== "") {
    problems.push({ field: ["value"], message: `must be empty when operator is Exists (Exists matches any value), not ${quoted(tolerated)}` });
  }
  if ((operator === "Equal" || operator === "") && tolerated !== "") {
    for (const message of labelValueProblems(tolerated)) problems.push({ field: ["value"], message });
  }
  return problems;
}

/** validateAffinity: nodeAffinity, podAffinity and podAntiAffinity. */
export function affinityProblems(affinity: unknown): FieldProblem[] {
  const value = asRecord(affinity) ?? {};
  const problems: FieldProblem[] = [];
  const node = asRecord(value["nodeAffinity"]);
  if (node !== undefined) {
    const required = node["requiredDuringSchedulingIgnoredDuringExecution"];
    if (required !== undefined) problems.push(...within(["nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution"], nodeSelectorProblems(required)));
    eachItem(node["preferredDuringSchedulingIgnoredDuringExecution"], ["nodeAffinity", "preferredDuringSchedulingIgnoredDuringExecution"], problems, (term) => {
      const preferred = asRecord(term) ?? {};
      return [...weightProblems(preferred["weight"]), ...within(["preference"], nodeSelectorTermProblems(preferred["preference"]))];
    });
  }
  for (const kind of ["podAffinity", "podAntiAffinity"] as const) {
    const pod = asRecord(value[kind]);
    if (pod === undefined) continue;
    eachItem(
      pod["requiredDuringSchedulingIgnoredDuringExecution"],
      [kind, "requiredDuringSchedulingIgnoredDuringExecution"],
      problems,
      podAffinityTermProblems,
    );
    eachItem(pod["preferredDuringSchedulingIgnoredDuringExecution"], [kind, "preferredDuringSchedulingIgnoredDuringExecution"], problems, (term) => {
      const weighted = asRecord(term) ?? {};
      return [...weightProblems(weighted["weight"]), ...within(["podAffinityTerm"], podAffinityTermProblems(weighted["podAffinityTerm"]))];
    });
  }
  return problems;
}

/** ValidateNodeSelector: at least one term, each term valid. */
export function nodeSelectorProblems(selector: unknown): FieldProblem[] {
  const terms = asRecord(selector)?.["nodeSelectorTerms"];
  if (!Array.isArray(terms) || terms.length === 0) {
    return [
      { field: ["nodeSelectorTerms"], message: "must hold at least one node selector term (an empty list matches no node: the pods would never be scheduled)" },
    ];
  }
  return terms.flatMap((term, index) => within(["nodeSelectorTerms", index], nodeSelectorTermProblems(term)));
}

/** ValidateNodeSelectorTerm: its matchExpressions and matchFields. */
function nodeSelectorTermProblems(term: unknown): FieldProblem[] {
  const value = asRecord(term) ?? {};
  const problems: FieldProblem[] = [];
  eachItem(value["matchExpressions"], ["matchExpressions"], problems, (requirement) => requirementProblems(requirement, "node"));
  eachItem(value["matchFields"], ["matchFields"], problems, (requirement) => nodeFieldRequirementProblems(requirement));
  return problems;
}

/**
 * One requirement of a selector: ValidateNodeSelectorRequirement (node affinity: Gt and Lt too)
 * and ValidateLabelSelectorRequirement (pod affinity, topology spread) differ only in the
 * operators they take. Values are checked as label values (the rule for a new object).
 */
function requirementProblems(requirement: unknown, kind: "node" | "label"): FieldProblem[] {
  const value = asRecord(requirement) ?? {};
  const values = Array.isArray(value["values"]) ? (value["values"] as unknown[]) : [];
  const operator = value["operator"];
  const problems: FieldProblem[] = [];
  if (operator === "In" || operator === "NotIn") {
    if (values.length === 0) problems.push({ field: ["values"], message: `must hold at least one value when operator is ${operator}` });
  } else if (operator === "Exists" || operator === "DoesNotExist") {
    if (values.length > 0) problems.push({ field: ["values"], message: `must be empty when operator is ${operator}` });
  } else if (kind === "node" && (operator === "Gt" || operator === "Lt")) {
    if (values.length !== 1) problems.push({ field: ["values"], message: `must hold exactly one value when operator is ${operator}` });
  } else {
    const allowed =
      kind === "node" ? "a node selector operator: In, NotIn, Exists, DoesNotExist, Gt or Lt" : "a label selector operator: In, NotIn, Exists or DoesNotExist";
    problems.push({ field: ["operator"], message: `${quoted(String(operator))} is not ${allowed}` });
  }
  problems.push(...keyProblems(value["key"], ["key"]));
  values.forEach((item, index) => {
    for (const message of typeof item === "string" ? labelValueProblems(item) : ["must be a string"]) problems.push({ field: ["values", index], message });
  });
  return problems;
}

/** ValidateNodeFieldSelectorRequirement: only metadata.name, In or NotIn, exactly one node name. */
function nodeFieldRequirementProblems(requirement: unknown): FieldProblem[] {
  const value = asRecord(requirement) ?? {};
  const values = Array.isArray(value["values"]) ? (value["values"] as unknown[]) : [];
  const problems: FieldProblem[] = [];
  if (value["operator"] !== "In" && value["operator"] !== "NotIn") {
    problems.push({ field: ["operator"], message: `${quoted(String(value["operator"]))} is not valid for a node field selector: In or NotIn` });
  } else if (values.length !== 1) {
    problems.push({ field: ["values"], message: `must hold exactly one node name when operator is ${String(value["operator"])}` });
  }
  if (value["key"] !== "metadata.name") {
    problems.push({ field: ["key"], message: `${quoted(String(value["key"]))} is not a node field selector key: only metadata.name` });
  } else {
    values.forEach((item, index) => {
      for (const message of typeof item === "string" ? dns1123SubdomainProblems(item) : ["must be a string"])
        problems.push({ field: ["values", index], message });
    });
  }
  return problems;
}

/** validatePodAffinityTerm. */
function podAffinityTermProblems(term: unknown): FieldProblem[] {
  const value = asRecord(term) ?? {};
  const problems: FieldProblem[] = [];
  for (const selector of ["labelSelector", "namespaceSelector"] as const) {
    if (value[selector] !== undefined && value[selector] !== null) problems.push(...within([selector], labelSelectorProblems(value[selector])));
  }
  eachItem(value["namespaces"], ["namespaces"], problems, (name) =>
    (typeof name === "string" ? dns1123LabelProblems(name) : ["must be a string"]).map((message) => ({ field: [], message })),
  );
  // validateMatchLabelKeysAndMismatchLabelKeys: the keys are merged into the labelSelector by
  // the API server, so they need one and must not repeat its expressions or each other.
  const selected = new Set(
    (Array.isArray(asRecord(value["labelSelector"])?.["matchExpressions"]) ? (asRecord(value["labelSelector"])!["matchExpressions"] as unknown[]) : [])
      .map((expression) => asRecord(expression)?.["key"])
      .filter((key): key is string => typeof key === "string"),
  );
  const matchKeys = Array.isArray(value["matchLabelKeys"]) ? (value["matchLabelKeys"] as unknown[]) : [];
  const mismatchKeys = Array.isArray(value["mismatchLabelKeys"]) ? (value["mismatchLabelKeys"] as unknown[]) : [];
  for (const [name, keys] of [
    ["matchLabelKeys", matchKeys],
    ["mismatchLabelKeys", mismatchKeys],
  ] as const) {
    if (keys.length > 0 && (value["labelSelector"] === undefined || value["labelSelector"] === null)) {
      problems.push({ field: [name], message: "must not be set without a labelSelector" });
      continue;
    }
    keys.forEach((key, index) => {
      problems.push(...keyProblems(key, [name, index]));
      if (typeof key === "string" && selected.has(key))
        problems.push({ field: [name, index], message: `${quoted(key)} is also in labelSelector.matchExpressions` });
      if (name === "mismatchLabelKeys" && matchKeys.includes(key))
        problems.push({ field: [name, index], message: `${quoted(String(key))} is in both matchLabelKeys and mismatchLabelKeys` });
    });
  }
  const topologyKey = value["topologyKey"];
  if (typeof topologyKey !== "string" || topologyKey === "")
    problems.push({ field: ["topologyKey"], message: "is required (the node label that groups nodes, like kubernetes.io/hostname)" });
  else problems.push(...keyProblems(topologyKey, ["topologyKey"]));
  return problems;
}

/** apimachinery ValidateLabelSelector (label values checked, as for a new object). */
export function labelSelectorProblems(selector: unknown): FieldProblem[] {
  const value = asRecord(selector);
  if (value === undefined) return [{ field: [], message: "must be a mapping (matchLabels, matchExpressions)" }];
  const problems: FieldProblem[] = [];
  eachItem(value["matchExpressions"], ["matchExpressions"], problems, (expression) => requirementProblems(expression, "label"));
  const matchLabels = value["matchLabels"];
  if (matchLabels !== undefined && matchLabels !== null) {
    const labels = asRecord(matchLabels);
    if (labels === undefined) problems.push({ field: ["matchLabels"], message: "must be a mapping of label keys to values" });
    for (const [key, item] of Object.entries(labels ?? {})) {
      for (const message of qualifiedNameProblems(key)) problems.push({ field: ["matchLabels", key], message });
      for (const message of typeof item === "string" ? labelValueProblems(item) : ["must be a string"]) problems.push({ field: ["matchLabels", key], message });
    }
  }
  return problems;
}

function keyProblems(key: unknown, field: Path): FieldProblem[] {
  if (typeof key !== "string") return [{ field, message: "is required: a label key (like kubernetes.io/hostname)" }];
  return qualifiedNameProblems(key).map((message) => ({ field, message }));
}

/** The weight of a preferred term: 1 to 100. */
function weightProblems(weight: unknown): FieldProblem[] {
  return typeof weight === "number" && Number.isInteger(weight) && weight >= 1 && weight <= 100
    ? []
    : [{ field: ["weight"], message: `must be a whole number from 1 to 100, not ${quoted(String(weight))}` }];
}

function within(prefix: Path, problems: readonly FieldProblem[]): FieldProblem[] {
  return problems.map((problem) => ({ field: [...prefix, ...problem.field], message: problem.message }));
}

/**
 * Runs `check` on each item of a list at `field`, its problems placed under the item (nothing
 * when the list is absent; a problem when it is not a list).
 */
function eachItem(list: unknown, field: Path, into: FieldProblem[], check: (item: unknown) => readonly FieldProblem[]): void {
  if (list === undefined || list === null) return;
  if (!Array.isArray(list)) {
    into.push({ field, message: "must be a list" });
    return;
  }
  list.forEach((item, index) => {
    into.push(...within([...field, index], check(item)));
  });
}
