import type { Deployment } from "kubernetes-types/apps/v1.js";
import type { Affinity, Toleration } from "kubernetes-types/core/v1.js";
import { ArgusKustomizeError } from "../errors.js";
import { baseResources, type ArgusBase, type KubeObject, type Modeled } from "../model/base.js";
import type { ComponentDefinition } from "../model/components.js";
import type { ExtraPatchSpec, ObjectMetadataSpec } from "../model/environment-options.js";
import type { EnvironmentSpec } from "../model/environment-spec.js";
import { selectorLabels } from "../model/labels.js";
import { sameQuantity } from "../model/quantity.js";
import { applyOperations, findContainer, ResourcePatch, targetOf, type Json6902Patch, type JsonPatchOperation } from "../patch/json6902.js";
import { fromJsonPointer, toJsonPointer } from "../patch/path.js";
import { escapeHatchProblems } from "./escape-hatch-guards.js";

/** Where an environment's escape-hatch patches go in its overlay (after the patches its fields make). */
export const ESCAPE_HATCH_PATCH_PREFIX = "patches/extra-";

/*
 * The JSON6902 patches of an overlay: the typed ones compiled from the spec (each built, and so
 * verified, against the base), then the environment's own escape-hatch patches, verified the same
 * way against the base as the typed ones leave it.
 */

/** A patch file of an overlay: its path (relative to the overlay) and the verified patch. */
export interface OverlayPatch {
  readonly file: string;
  readonly patch: Json6902Patch;
}

/** Every patch an environment needs, typed ones first (kustomize applies them in this order). */
export function overlayPatches(base: ArgusBase<string>, spec: EnvironmentSpec<string>): OverlayPatch[] {
  const typed = typedPatches(base, spec);
  return [...typed, ...extraPatches(base, spec, typed)];
}

function typedPatches(base: ArgusBase<string>, spec: EnvironmentSpec<string>): OverlayPatch[] {
  const built: OverlayPatch[] = [];
  const add = (modeled: Modeled<KubeObject, string>, patch: ResourcePatch<KubeObject, string>) => {
    if (patch.isEmpty) return;
    built.push({ file: `patches/${modeled.file}`, patch: withEnvironment(spec.name, () => patch.build()) });
  };

  for (const component of base.components) {
    const workload = base.workloads[component.name]!;
    add(workload, workloadPatch(workload, component, spec));
  }
  for (const component of base.components) {
    const service = base.services[component.name];
    if (service !== undefined) add(service, withMetadata(ResourcePatch.of(service), spec.services));
  }

  const data = withMetadata(ResourcePatch.of(base.data), spec.storage);
  const size = spec.storage?.size;
  if (size !== undefined && !sameQuantity(size, base.data.object.spec?.resources?.requests?.["storage"] ?? "")) {
    data.set(["spec", "resources", "requests", "storage"], size);
  }
  if (spec.storage?.className !== undefined) data.set(["spec", "storageClassName"], spec.storage.className);
  if (spec.storage?.accessMode !== undefined && spec.storage.accessMode !== base.data.object.spec?.accessModes?.[0]) {
    data.set(["spec", "accessModes"], [spec.storage.accessMode]);
  }
  add(base.data, data);
  add(base.serviceAccount, withMetadata(ResourcePatch.of(base.serviceAccount), spec.serviceAccount));
  return built;
}

/** A component's Deployment: resources, autoscaling, pull secrets, scheduling and spreading. */
function workloadPatch(
  workload: Modeled<Deployment, string>,
  component: ComponentDefinition,
  spec: EnvironmentSpec<string>,
): ResourcePatch<Deployment, string> {
  const patch = ResourcePatch.of(workload);
  const wanted = spec.resources?.[component.name];
  patch.container(component.name, (container) => {
    for (const name of ["cpu", "memory"] as const) {
      for (const kind of ["requests", "limits"] as const) {
        const value = wanted?.[kind]?.[name];
        // "1" and "1000m" are the same CPU: no patch for a value the base already has (the
        // validator already checked requests <= limits).
        if (value !== undefined && !sameQuantity(value, component.resources[kind][name])) container.set(["resources", kind, name], value);
      }
    }
  });
  const autoscaling = spec.autoscaling?.[component.name];
  // The autoscaler owns the count; a fixed one in the Deployment would fight it on every apply.
  if (autoscaling !== undefined) patch.remove(["spec", "replicas"]);
  const pod = ["spec", "template", "spec"] as const;
  if (spec.imagePullSecrets !== undefined && spec.imagePullSecrets.length > 0) {
    patch.set(
      [...pod, "imagePullSecrets"],
      spec.imagePullSecrets.map((name) => ({ name })),
    );
  }
  const scheduling = spec.scheduling?.[component.name];
  if (scheduling?.nodeSelector !== undefined) patch.set([...pod, "nodeSelector"], { ...scheduling.nodeSelector });
  if (scheduling?.tolerations !== undefined) patch.set([...pod, "tolerations"], scheduling.tolerations as Toleration[]);
  if (scheduling?.affinity !== undefined) patch.set([...pod, "affinity"], scheduling.affinity as Affinity);
  if (scheduling?.priorityClassName !== undefined) patch.set([...pod, "priorityClassName"], scheduling.priorityClassName);
  const most = autoscaling?.maxReplicas ?? spec.replicas?.[component.name] ?? workload.object.spec?.replicas ?? 1;
  if (!component.singleWriter && most > 1) {
    // More than one pod: spread them over nodes, so a node failure or drain takes at most one.
    // ScheduleAnyway: a one-node cluster still runs them all.
    patch.set(
      [...pod, "topologySpreadConstraints"],
      [
        {
          maxSkew: 1,
          topologyKey: "kubernetes.io/hostname",
          whenUnsatisfiable: "ScheduleAnyway",
          labelSelector: { matchLabels: selectorLabels(component.name) },
        },
      ],
    );
  }
  return patch;
}

function withMetadata<T extends KubeObject>(patch: ResourcePatch<T, string>, metadata: ObjectMetadataSpec | undefined): ResourcePatch<T, string> {
  // Paths typed against the generic object: metadata is common to every kind.
  const set = (path: readonly ["metadata", "labels" | "annotations", string], value: string) =>
    (patch as unknown as ResourcePatch<KubeObject & { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> } }, string>).set(
      path,
      value,
    );
  for (const key of Object.keys(metadata?.labels ?? {}).sort()) set(["metadata", "labels", key], metadata!.labels![key]!);
  for (const key of Object.keys(metadata?.annotations ?? {}).sort()) set(["metadata", "annotations", key], metadata!.annotations![key]!);
  return patch;
}

/**
 * The environment's own patches. Each must name a base object by kind and base name, resolve,
 * and change something; paths through a named list item (a container, a volume, a port) are
 * guarded with a `test` op on that item's name, so a reordered base fails loudly.
 */
function extraPatches(base: ArgusBase<string>, spec: EnvironmentSpec<string>, typed: readonly OverlayPatch[]): OverlayPatch[] {
  return (spec.patches ?? []).map((extra, index) => {
    const field = `patches.${index}`;
    const where = (suffix: string) => ({ environment: spec.name, field: `${field}${suffix}` });
    const modeled = baseResources(base).find((resource) => resource.object.kind === extra.target.kind && resource.object.metadata?.name === extra.target.name);
    if (modeled === undefined) {
      const known = baseResources(base).map((resource) => `${resource.object.kind}/${resource.object.metadata?.name}`);
      throw new ArgusKustomizeError("TARGET_NOT_FOUND", `the base has no ${extra.target.kind} named ${extra.target.name} (base objects: ${known.join(", ")})`, {
        location: where(".target"),
      });
    }
    // The object as kustomize will hand it to this patch: the base with the typed patches applied.
    const working = structuredClone(modeled.object) as unknown as Record<string, unknown>;
    for (const earlier of typed) {
      if (earlier.patch.target.kind === extra.target.kind && earlier.patch.target.name === extra.target.name)
        applyOperations(working, earlier.patch.operations, where(""));
    }
    const original = structuredClone(working);
    const operations = guardedOperations(working, extra, where);
    // Judged on the whole result, whatever paths the operations took.
    const broken = escapeHatchProblems(extra.target.kind, original, working, base.components);
    if (broken.length > 0) throw new ArgusKustomizeError("INVALID_SPEC", `the patch ${broken.join("; and ")}`, { location: where("") });
    return {
      file: `${ESCAPE_HATCH_PATCH_PREFIX}${index}-${extra.target.kind.toLowerCase()}-${extra.target.name}.yaml`,
      patch: { target: targetOf(modeled.object), operations },
    };
  });
}

function guardedOperations(
  working: Record<string, unknown>,
  extra: ExtraPatchSpec,
  where: (suffix: string) => { environment: string; field: string },
): JsonPatchOperation[] {
  const operations: JsonPatchOperation[] = [];
  const guarded = new Set<string>();
  let prefix = "";
  if (extra.container !== undefined) {
    const found = findContainer(working as KubeObject, extra.container);
    if (found === undefined) {
      throw new ArgusKustomizeError("PATCH_CONTAINER_NOT_FOUND", `${extra.target.kind} ${extra.target.name} has no container named "${extra.container}"`, {
        location: where(".container"),
      });
    }
    prefix = toJsonPointer(["spec", "template", "spec", "containers", found.index]);
  }
  extra.operations.forEach((given, opIndex) => {
    const at = where(`.operations.${opIndex}`);
    const path = `${prefix}${given.path}`;
    if (given.path !== "" && !given.path.startsWith("/")) {
      throw new ArgusKustomizeError("PATCH_PATH_UNRESOLVABLE", `path ${given.path} is not a JSON pointer (it starts with /)`, {
        location: { ...at, field: `${at.field}.path` },
      });
    }
    // A component's image is set by images.<component> (kustomize's images transformer, and
    // --set-image): a patch that swapped it would leave that entry matching nothing, silently.
    if (touchesComponentImage(path, given.op)) {
      throw new ArgusKustomizeError(
        "INVALID_SPEC",
        `${given.op} ${path} would change a component's image: set it with images.<component> (repository, tag or digest) instead`,
        {
          location: { ...at, field: `${at.field}.path` },
        },
      );
    }
    for (const guard of nameGuards(working, path)) {
      if (guarded.has(guard.path)) continue;
      guarded.add(guard.path);
      operations.push(guard);
    }
    const operation = { ...given, path } as JsonPatchOperation;
    const before = JSON.stringify(working);
    applyOperations(working, [operation], at);
    if (operation.op !== "test" && JSON.stringify(working) === before) {
      throw new ArgusKustomizeError("PATCH_NO_EFFECT", `${operation.op} ${operation.path} changes nothing: the object already is that way`, { location: at });
    }
    operations.push(operation);
  });
  return operations;
}

/** `test` ops on the `name` of every named list item a path goes through, as the object now is. */
function nameGuards(document: unknown, pointer: string): JsonPatchOperation[] {
  const segments = fromJsonPointer(pointer);
  const guards: JsonPatchOperation[] = [];
  let current: unknown = document;
  for (const [depth, segment] of segments.entries()) {
    if (Array.isArray(current) && /^[0-9]+$/.test(segment)) {
      const item: unknown = current[Number(segment)];
      const name = typeof item === "object" && item !== null ? (item as { name?: unknown }).name : undefined;
      if (typeof name === "string") guards.push({ op: "test", path: `${toJsonPointer(segments.slice(0, depth + 1))}/name`, value: name });
      current = item;
    } else if (typeof current === "object" && current !== null) {
      current = (current as Record<string, unknown>)[segment];
    } else {
      break;
    }
  }
  return guards;
}

function withEnvironment<T>(environment: string, build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof ArgusKustomizeError && error.location.environment === undefined) {
      throw new ArgusKustomizeError(error.code, error.reason, { cause: error, location: { ...error.location, environment } });
    }
    throw error;
  }
}

/** Whether an operation at `pointer` replaces or removes an existing container's image (or the container, or all of them). */
function touchesComponentImage(pointer: string, op: string): boolean {
  if (op === "test") return false;
  if (/^\/spec\/template\/spec\/containers\/\d+\/image$/.test(pointer)) return true;
  return op !== "add" && /^\/spec\/template\/spec\/containers(\/\d+)?$/.test(pointer);
}
