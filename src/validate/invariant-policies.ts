import { KEEP_OPTIONS, SYNC_OPTIONS_ANNOTATION } from "../model/argocd-protection.js";
import type { Policy, RenderedObject } from "./policies.js";
import { record, shown } from "./read-objects.js";

/*
 * Policies on what the tool itself owns, so that nothing that reaches the rendered objects (an
 * escape-hatch patch, a hand edit of the overlay) can break it unnoticed: every workload has a pod
 * template with containers (what the other policies read; its absence is a violation, never a
 * crash), a workload's selector selects its own pods, and Argo CD never deletes the data.
 */

/** Kinds whose pods come from `spec.template` and are chosen by `spec.selector`. */
const TEMPLATED = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"];

/** Kinds that hold the data or everything with it: Argo CD must neither prune nor delete them. */
const KEPT = ["PersistentVolumeClaim", "Namespace"];

type Found = ReturnType<Policy["check"]>;

export const INVARIANT_POLICIES: readonly Policy[] = [
  {
    id: "pod-template",
    summary: "every workload has a pod template with at least one container, each with a name and an image",
    fix: "keep the base's pod template and containers: change single fields with the environment's options or a narrower escape-hatch patch",
    check: (objects) =>
      objects.flatMap((object): Found => {
        if (!TEMPLATED.includes(shown(object["kind"])) && object["kind"] !== "CronJob") return [];
        const where = `${shown(object["kind"])}/${nameOf(object)}`;
        const at = object["kind"] === "CronJob" ? "spec.jobTemplate.spec.template" : "spec.template";
        const template = at.split(".").reduce<unknown>((value, key) => record(value)?.[key], object);
        const spec = record(record(template)?.["spec"]);
        if (spec === undefined) return [{ object: where, field: `${at}.spec`, message: "is missing: the workload has no pod spec" }];
        const containers = spec["containers"];
        if (!Array.isArray(containers) || containers.length === 0) {
          return [{ object: where, field: `${at}.spec.containers`, message: "is missing or empty: a pod needs at least one container" }];
        }
        return containers.flatMap((container: unknown, index): Found => {
          const item = record(container);
          if (item === undefined)
            return [{ object: where, field: `${at}.spec.containers.${index}`, message: "is not a container (a mapping with name and image)" }];
          return (["name", "image"] as const)
            .filter((key) => typeof item[key] !== "string" || item[key] === "")
            .map((key) => ({ object: where, field: `${at}.spec.containers.${index}.${key}`, message: "is missing" }));
        });
      }),
  },
  {
    id: "workload-selector",
    summary: "every workload's selector is non-empty and selects its own pod template (as the API server requires)",
    fix: "keep the base's spec.selector and pod labels (a Deployment's selector is immutable on a live cluster)",
    check: (objects) =>
      objects.flatMap((object): Found => {
        if (!TEMPLATED.includes(shown(object["kind"])) || object["kind"] === "Job") return [];
        const spec = record(object["spec"]);
        const template = record(spec?.["template"]);
        // No template: the pod-template policy says so.
        if (template === undefined || record(template["spec"]) === undefined) return [];
        const where = `${shown(object["kind"])}/${nameOf(object)}`;
        const selector = record(spec?.["selector"]);
        const matchLabels = record(selector?.["matchLabels"]) ?? {};
        const expressions = Array.isArray(selector?.["matchExpressions"]) ? (selector["matchExpressions"] as unknown[]) : [];
        if (Object.keys(matchLabels).length === 0 && expressions.length === 0) {
          return [{ object: where, field: "spec.selector", message: "is empty: it would select every pod of the namespace (the API server refuses it)" }];
        }
        const labels = record(record(template["metadata"])?.["labels"]) ?? {};
        return selects(matchLabels, expressions, labels)
          ? []
          : [{ object: where, field: "spec.selector", message: `does not select the workload's own pod template (labels ${JSON.stringify(labels)})` }];
      }),
  },
  {
    id: "argocd-keeps-data",
    summary: `the data volume and an owned Namespace carry ${SYNC_OPTIONS_ANNOTATION}: ${KEEP_OPTIONS.join(",")} (Argo CD never prunes or deletes them)`,
    fix: `keep the annotation ${SYNC_OPTIONS_ANNOTATION}: ${KEEP_OPTIONS.join(",")} (remove the escape-hatch patch that changes it)`,
    check: (objects) =>
      objects
        .filter((object) => KEPT.includes(shown(object["kind"])))
        .flatMap((object): Found => {
          const value = record(record(object["metadata"])?.["annotations"])?.[SYNC_OPTIONS_ANNOTATION];
          // As Argo CD reads it: comma-separated, each item trimmed, compared exactly.
          const options = typeof value === "string" ? value.split(",").map((item) => item.trim()) : [];
          const missing = KEEP_OPTIONS.filter((option) => !options.includes(option));
          return missing.length === 0
            ? []
            : [
                {
                  object: `${shown(object["kind"])}/${nameOf(object)}`,
                  field: `metadata.annotations.${SYNC_OPTIONS_ANNOTATION}`,
                  message: `lacks ${missing.join(", ")}: Argo CD could delete it, and the data with it`,
                },
              ];
        }),
  },
];

/** A label selector against labels, as metav1.LabelSelectorAsSelector evaluates it. */
function selects(matchLabels: Record<string, unknown>, expressions: readonly unknown[], labels: Record<string, unknown>): boolean {
  if (!Object.entries(matchLabels).every(([key, value]) => labels[key] === value)) return false;
  return expressions.every((expression) => {
    const { key, operator, values } = record(expression) ?? {};
    const list = Array.isArray(values) ? values : [];
    const has = typeof key === "string" && Object.hasOwn(labels, key);
    const value = has ? labels[key as string] : undefined;
    switch (operator) {
      case "In":
        return has && list.includes(value);
      case "NotIn":
        return !has || !list.includes(value);
      case "Exists":
        return has;
      case "DoesNotExist":
        return !has;
      default:
        return false;
    }
  });
}

function nameOf(object: RenderedObject): string {
  return shown(record(object["metadata"])?.["name"] ?? "");
}
