import jsonpatch from "fast-json-patch";
import type { Operation } from "fast-json-patch";
import type { Container } from "kubernetes-types/core/v1.js";
import { ArgusKustomizeError } from "../errors.js";
import type { KubeObject, Modeled } from "../model/base.js";
import { toJsonPointer, type KnownPath, type PathSegment, type SettableAt } from "./path.js";

/** One RFC 6902 operation as written to an overlay. Only the ops the builders emit. */
export type JsonPatchOperation =
  | { op: "test"; path: string; value: unknown }
  | { op: "add"; path: string; value: unknown }
  | { op: "replace"; path: string; value: unknown }
  | { op: "remove"; path: string };

/**
 * kustomize's patch target selector, always naming one resource exactly (never `{}`, never a
 * name after namePrefix/nameSuffix: the base name is what kustomize matches).
 */
export interface PatchTarget {
  group?: string;
  version: string;
  kind: string;
  name: string;
}

/** A verified JSON6902 patch: it applies to the base it was built from and changes it. */
export interface Json6902Patch {
  readonly target: PatchTarget;
  readonly operations: readonly JsonPatchOperation[];
}

/** A resource whose pods are described by `spec.template.spec` (Deployment, StatefulSet, Job...). */
export interface PodTemplateWorkload extends KubeObject {
  spec?: { template: { spec?: { containers: Container[] } } };
}

type Step =
  | { kind: "set"; path: readonly PathSegment[]; value: unknown; container?: string }
  | { kind: "remove"; path: readonly PathSegment[]; container?: string };

const CONTAINERS_PATH = ["spec", "template", "spec", "containers"] as const;

/**
 * Edits of one container, addressed by name. The path is relative to the container and typed
 * against kubernetes-types' `Container`.
 */
export class ContainerPatch {
  /** @internal */
  constructor(
    private readonly containerName: string,
    private readonly steps: Step[],
  ) {}

  /**
   * Sets a field of the container (`replace` when the base has it, `add` otherwise).
   *
   * @example
   * c.set(["resources", "requests", "memory"], "256Mi")
   */
  set<const P extends readonly PathSegment[]>(path: P, value: SettableAt<Container, P>): this {
    this.steps.push({ kind: "set", path, value, container: this.containerName });
    return this;
  }

  /** Removes a field of the container; the field must exist in the base. */
  remove<const P extends readonly PathSegment[]>(path: P, ..._known: KnownPath<Container, P>): this {
    this.steps.push({ kind: "remove", path, container: this.containerName });
    return this;
  }
}

/**
 * A typed JSON6902 patch of one base resource. Paths are checked against the resource's
 * kubernetes-types type at compile time and against the base object when {@link build} runs;
 * containers are addressed by name, resolved to their index and guarded by a `test` op, so a
 * reordered base fails loudly instead of patching the wrong container.
 *
 * @example
 * const patch = ResourcePatch.of(base.backend)
 *   .container("backend", (c) => c.set(["resources", "requests", "memory"], "256Mi"))
 *   .build();
 */
export class ResourcePatch<T extends KubeObject, C extends string = never> {
  private readonly steps: Step[] = [];

  private constructor(private readonly modeled: Modeled<T, C>) {}

  /** Starts a patch of a modeled base resource. */
  static of<T extends KubeObject, C extends string>(modeled: Modeled<T, C>): ResourcePatch<T, C> {
    return new ResourcePatch(modeled);
  }

  /**
   * Sets a field of the resource (`replace` when the base has it, `add` otherwise; missing
   * parent objects are added with it).
   *
   * @example
   * ResourcePatch.of(base.data).set(["spec", "storageClassName"], "fast-ssd")
   */
  set<const P extends readonly PathSegment[]>(path: P, value: SettableAt<T, P>): this {
    this.steps.push({ kind: "set", path, value });
    return this;
  }

  /** Removes a field of the resource; the field must exist in the base. */
  remove<const P extends readonly PathSegment[]>(path: P, ..._known: KnownPath<T, P>): this {
    this.steps.push({ kind: "remove", path });
    return this;
  }

  /** Edits the container called `name`; only names the model declares compile. */
  container(name: C, edit: (container: ContainerPatch) => void): this {
    edit(new ContainerPatch(name, this.steps));
    return this;
  }

  /** True when nothing has been asked of this patch yet. */
  get isEmpty(): boolean {
    return this.steps.length === 0;
  }

  /**
   * Resolves every step against the base object and verifies the result: each operation must
   * apply and change something.
   *
   * @throws ArgusKustomizeError PATCH_CONTAINER_NOT_FOUND, PATCH_PATH_UNRESOLVABLE, PATCH_NO_EFFECT
   */
  build(): Json6902Patch {
    const base = this.modeled.object;
    const target = targetOf(base);
    const field = (path: string) => ({ field: `${target.kind} ${target.name} ${path}`, file: this.modeled.file });
    if (this.steps.length === 0) {
      throw new ArgusKustomizeError("PATCH_NO_EFFECT", "the patch has no operations", { location: field("") });
    }
    // Resolve against a working copy that every op is applied to in turn, so a later op sees the
    // parents an earlier one added and the containers as they then are, exactly as kustomize will
    // apply them.
    const working = structuredClone(base) as unknown as Record<string, unknown>;
    const operations: JsonPatchOperation[] = [];
    const guarded = new Set<string>();
    for (const step of this.steps) {
      if (step.container === undefined && startsWith(step.path, CONTAINERS_PATH)) {
        throw new ArgusKustomizeError("PATCH_PATH_UNRESOLVABLE", "containers are addressed by name: use .container(name, ...), not an index", {
          location: field(toJsonPointer(step.path)),
        });
      }
      let path = step.path;
      if (step.container !== undefined) {
        const index = containerIndex(working, step.container, field);
        path = [...CONTAINERS_PATH, index, ...step.path];
        if (!guarded.has(step.container)) {
          const guard: JsonPatchOperation = { op: "test", path: toJsonPointer([...CONTAINERS_PATH, index, "name"]), value: step.container };
          applyOperations(working, [guard], field(guard.path));
          operations.push(guard);
          guarded.add(step.container);
        }
      }
      const operation = resolveStep(working, step, path, field);
      applyOperations(working, [operation], field(operation.path));
      operations.push(operation);
    }
    if (jsonEqual(working, base)) {
      throw new ArgusKustomizeError("PATCH_NO_EFFECT", "the operations cancel out: the patched resource equals the base", { location: field("") });
    }
    return { target, operations };
  }
}

function startsWith(path: readonly PathSegment[], prefix: readonly PathSegment[]): boolean {
  return prefix.every((segment, index) => path[index] === segment);
}

/** The kustomize target selector of an object: group/version/kind/name of the base. */
export function targetOf(object: KubeObject): PatchTarget {
  const apiVersion = object.apiVersion ?? "";
  const slash = apiVersion.indexOf("/");
  const group = slash === -1 ? "" : apiVersion.slice(0, slash);
  const version = slash === -1 ? apiVersion : apiVersion.slice(slash + 1);
  return {
    ...(group !== "" ? { group } : {}),
    version,
    kind: object.kind ?? "",
    name: object.metadata?.name ?? "",
  };
}

/**
 * Applies JSON6902 operations to a document in place, as kustomize will, validating each.
 * `where` names the field for the error message.
 *
 * @throws ArgusKustomizeError PATCH_TEST_FAILED when a `test` guard fails, PATCH_PATH_UNRESOLVABLE otherwise
 */
export function applyOperations(
  document: unknown,
  operations: readonly JsonPatchOperation[],
  where: { field?: string; file?: string; environment?: string },
): void {
  try {
    // Cloned: applyPatch inserts values by reference, and a later op would then edit this patch.
    jsonpatch.applyPatch(document, structuredClone(operations) as Operation[], true, true);
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === "TEST_OPERATION_FAILED") {
      const failed = (error as { operation?: { path?: string; value?: unknown } }).operation;
      throw new ArgusKustomizeError(
        "PATCH_TEST_FAILED",
        `guard failed: ${failed?.path ?? "?"} is no longer ${JSON.stringify(failed?.value)}; the base changed since the patch was built (regenerate the overlay)`,
        { cause: error, location: where },
      );
    }
    throw new ArgusKustomizeError("PATCH_PATH_UNRESOLVABLE", `the path does not resolve: ${(error as Error).message.split("\n")[0]}`, {
      cause: error,
      location: where,
    });
  }
}

/**
 * The container called `name` of a workload and its index: the one place a container is found by
 * name (patches address containers by name and resolve the index against the object as it is).
 */
export function findContainer(workload: KubeObject, name: string): { index: number; container: Container } | undefined {
  const containers = (workload as PodTemplateWorkload).spec?.template.spec?.containers ?? [];
  const index = containers.findIndex((container) => container.name === name);
  return index === -1 ? undefined : { index, container: containers[index]! };
}

function containerIndex(base: KubeObject, name: string, field: (path: string) => { field: string; file: string }): number {
  const found = findContainer(base, name);
  if (found === undefined) {
    const known = (base as PodTemplateWorkload).spec?.template.spec?.containers.map((container) => container.name).join(", ") ?? "none";
    throw new ArgusKustomizeError("PATCH_CONTAINER_NOT_FOUND", `no container named "${name}" (containers: ${known})`, {
      location: field(toJsonPointer(CONTAINERS_PATH)),
    });
  }
  return found.index;
}

function resolveStep(
  working: Record<string, unknown>,
  step: Step,
  path: readonly PathSegment[],
  field: (path: string) => { field: string; file: string },
): JsonPatchOperation {
  const pointer = toJsonPointer(path);
  const existing = lookUp(working, path);
  if (step.kind === "remove") {
    if (!existing.found) {
      throw new ArgusKustomizeError("PATCH_PATH_UNRESOLVABLE", "cannot remove a field the base does not have", { location: field(pointer) });
    }
    return { op: "remove", path: pointer };
  }
  if (existing.found) {
    if (jsonEqual(existing.value, step.value)) {
      throw new ArgusKustomizeError("PATCH_NO_EFFECT", `the base already has ${JSON.stringify(step.value)} here`, { location: field(pointer) });
    }
    return { op: "replace", path: pointer, value: step.value };
  }
  // Add at the first missing ancestor, carrying the value nested inside it.
  let depth = path.length;
  while (depth > 1 && !lookUp(working, path.slice(0, depth - 1)).found) depth -= 1;
  let value: unknown = step.value;
  for (let i = path.length - 1; i >= depth; i -= 1) {
    const segment = path[i]!;
    if (typeof segment === "number") {
      throw new ArgusKustomizeError("PATCH_PATH_UNRESOLVABLE", `array index ${segment} does not exist in the base`, { location: field(pointer) });
    }
    value = { [segment]: value };
  }
  const parent = lookUp(working, path.slice(0, depth - 1));
  if (parent.found && (typeof parent.value !== "object" || parent.value === null)) {
    throw new ArgusKustomizeError("PATCH_PATH_UNRESOLVABLE", `${toJsonPointer(path.slice(0, depth - 1))} is a ${typeof parent.value}, not an object`, {
      location: field(pointer),
    });
  }
  return { op: "add", path: toJsonPointer(path.slice(0, depth)), value };
}

function lookUp(document: unknown, path: readonly PathSegment[]): { found: boolean; value?: unknown } {
  let current: unknown = document;
  for (const segment of path) {
    if (typeof current !== "object" || current === null || !Object.hasOwn(current, segment)) return { found: false };
    current = (current as Record<string, unknown>)[segment];
  }
  return { found: true, value: current };
}

function jsonEqual(a: unknown, b: unknown): boolean {
  return jsonpatch.compare({ v: a } as object, { v: b } as object).length === 0;
}
