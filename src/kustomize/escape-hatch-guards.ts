import { isDeepStrictEqual } from "node:util";
import { KEEP_OPTIONS, hasSyncOption, SYNC_OPTIONS_ANNOTATION } from "../model/argocd-protection.js";
import type { ComponentRegistry } from "../model/components.js";

/*
 * What an escape-hatch patch must leave as it found it, judged on the object before and after all
 * of the patch's operations (so whatever path they take: `replace /spec/template/spec` with a pod
 * spec carrying another image is caught like `replace .../containers/0/image`):
 * - every container's image (images.<component> and --set-image set them; a patched image would
 *   leave those matching nothing, silently), and every container that was there;
 * - selectors: a Deployment's is immutable on a live cluster and must select its own pods; a
 *   Service's decides which pods get traffic;
 * - the single-writer rules (Recreate, at most one replica);
 * - Argo CD's Prune=false,Delete=false on the data volume.
 */

/** Every invariant the patch breaks, as a sentence each; empty when it keeps them all. */
export function escapeHatchProblems(kind: string, before: unknown, after: unknown, registry: ComponentRegistry<string>): string[] {
  const problems: string[] = [];
  const components = new Set(registry.map((component) => component.name));
  const imageField = (container: string) => (components.has(container) ? `images.${container}` : "the base");
  const afterContainers = containersOf(after);
  for (const [name, image] of containersOf(before)) {
    if (!afterContainers.has(name)) {
      problems.push(`removes container "${name}" (or the pod spec holding it): the tool owns its containers, and ${imageField(name)} would match nothing`);
    } else if (afterContainers.get(name) !== image) {
      problems.push(
        `changes the image of container "${name}" from ${String(image)} to ${String(afterContainers.get(name))}: set it with ${imageField(name)} (repository, tag or digest) instead`,
      );
    }
  }
  if (kind === "Deployment") {
    const selectorBefore = at(before, ["spec", "selector"]);
    const selectorAfter = at(after, ["spec", "selector"]);
    if (!isDeepStrictEqual(selectorBefore, selectorAfter)) {
      problems.push(
        `changes spec.selector from ${JSON.stringify(selectorBefore ?? null)} to ${JSON.stringify(selectorAfter ?? null)}: a Deployment's selector is immutable on a live cluster`,
      );
    } else if (selectsOwnPods(before) && !selectsOwnPods(after)) {
      problems.push(
        `changes the pod labels (spec.template.metadata.labels) so that the Deployment's selector ${JSON.stringify(selectorAfter ?? null)} no longer selects its own pods`,
      );
    }
    const name = at(after, ["metadata", "name"]);
    if (registry.some((component) => component.singleWriter && component.deploymentName === name)) {
      const strategy = at(after, ["spec", "strategy", "type"]);
      const replicas = at(after, ["spec", "replicas"]);
      if (strategy !== "Recreate" && strategy !== at(before, ["spec", "strategy", "type"]))
        problems.push(
          `sets spec.strategy.type to ${JSON.stringify(strategy ?? null)}: ${String(name)} is a single writer (one database file), so it is always replaced with Recreate`,
        );
      if (replicas !== undefined && !(typeof replicas === "number" && replicas <= 1) && replicas !== at(before, ["spec", "replicas"]))
        problems.push(`sets spec.replicas to ${JSON.stringify(replicas)}: ${String(name)} is a single writer, at most one replica (use replicas.<component>)`);
    }
  }
  if (kind === "Service") {
    const selectorBefore = at(before, ["spec", "selector"]);
    const selectorAfter = at(after, ["spec", "selector"]);
    if (!isDeepStrictEqual(selectorBefore, selectorAfter)) {
      problems.push(
        `changes spec.selector from ${JSON.stringify(selectorBefore ?? null)} to ${JSON.stringify(selectorAfter ?? null)}: the Service would stop sending traffic to the component's pods`,
      );
    }
  }
  for (const option of KEEP_OPTIONS) {
    if (hasSyncOption(before, option) && !hasSyncOption(after, option)) {
      problems.push(`drops ${option} from the ${SYNC_OPTIONS_ANNOTATION} annotation: Argo CD could then delete the object, and the data with it`);
    }
  }
  return problems;
}

/** name → image of every container and init container of a pod template (a non-string image as it is). */
function containersOf(object: unknown): Map<string, unknown> {
  const pod = at(object, ["spec", "template", "spec"]);
  const found = new Map<string, unknown>();
  for (const list of [at(pod, ["containers"]), at(pod, ["initContainers"])]) {
    if (!Array.isArray(list)) continue;
    for (const container of list) {
      const name = at(container, ["name"]);
      if (typeof name === "string") found.set(name, at(container, ["image"]));
    }
  }
  return found;
}

/** Whether a Deployment's spec.selector.matchLabels is non-empty and its pod labels hold every pair. */
function selectsOwnPods(object: unknown): boolean {
  const matchLabels = at(object, ["spec", "selector", "matchLabels"]);
  const labels = at(object, ["spec", "template", "metadata", "labels"]);
  if (typeof matchLabels !== "object" || matchLabels === null || Object.keys(matchLabels).length === 0) return false;
  return Object.entries(matchLabels).every(
    ([key, value]) => typeof labels === "object" && labels !== null && (labels as Record<string, unknown>)[key] === value,
  );
}

function at(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== "object" || current === null || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}
