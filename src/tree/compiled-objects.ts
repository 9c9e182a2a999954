import jsonpatch from "fast-json-patch";
import type { Operation } from "fast-json-patch";
import { overlayDir } from "../kustomize/compile.js";
import { ESCAPE_HATCH_PATCH_PREFIX } from "../kustomize/overlay-patches.js";
import type { KubeObject } from "../model/base.js";
import { yamlDocuments } from "../yaml-documents.js";

/*
 * The objects of one overlay, computed in-process from the tree's files: the base's resources, the
 * overlay's own resources, its JSON6902 patches applied in order, and its namespace. This is what
 * the upgrade guards compare, for the tree on disk (as committed, so as last applied) and for the
 * tree generate is about to write, by the same code on both sides.
 *
 * Why not render with kustomize: the fields the guards judge (a PVC's spec, Deployment and Service
 * selectors, the namespace) are set in this tool's trees only by the base's files, the overlay's
 * JSON6902 patches and the kustomization's `namespace:`. The other transformers it writes (images,
 * replicas, labels without includeSelectors, generators) never touch them. Computing them here
 * needs no kubectl, so `check` reports the same findings as generate, and costs no render.
 */

/** An overlay's objects and namespace. */
export interface CompiledOverlay {
  readonly environment: string;
  readonly namespace: string | undefined;
  readonly objects: readonly KubeObject[];
  /** The objects as the environment's fields make them: before its escape-hatch patches (`patches` in the environment file). */
  readonly modeled: readonly KubeObject[];
}

/** Reads a tree-relative file's text, or `undefined` when it is absent. */
export type TreeReader = (file: string) => string | undefined | Promise<string | undefined>;

/**
 * The overlay of `environment` as the files `read` gives compute it, or `undefined` when the tree
 * has no such overlay or its files are not what this tool writes (unparseable, a patch that no
 * longer applies): such a tree cannot be judged, and generate's own checks take over.
 */
export async function compileOverlayFiles(read: TreeReader, environment: string): Promise<CompiledOverlay | undefined> {
  const dir = overlayDir(environment);
  const kustomization = asRecord(first(await read(`${dir}/kustomization.yaml`)));
  const base = asRecord(first(await read("base/kustomization.yaml")));
  if (kustomization === undefined || base === undefined) return undefined;
  const objects: KubeObject[] = [];
  for (const file of [
    ...strings(base["resources"]).map((resource) => `base/${resource}`),
    ...strings(kustomization["resources"])
      .filter((resource) => resource !== "../../base")
      .map((resource) => `${dir}/${resource}`),
  ]) {
    const found = await documents(read, file);
    if (found === undefined) return undefined;
    objects.push(...found);
  }
  let modeled: KubeObject[] | undefined;
  for (const entry of Array.isArray(kustomization["patches"]) ? kustomization["patches"] : []) {
    const patch = asRecord(entry);
    const target = asRecord(patch?.["target"]);
    if (typeof patch?.["path"] !== "string" || target === undefined) return undefined;
    // The escape-hatch patches come last: what the fields made is the state before the first one.
    if (modeled === undefined && patch["path"].startsWith(ESCAPE_HATCH_PATCH_PREFIX)) modeled = structuredClone(objects);
    const operations = first(await read(`${dir}/${patch["path"]}`));
    if (!Array.isArray(operations)) return undefined;
    for (const object of objects.filter((candidate) => candidate.kind === target["kind"] && candidate.metadata?.name === target["name"])) {
      try {
        jsonpatch.applyPatch(object, operations as Operation[], false, true);
      } catch {
        return undefined;
      }
    }
  }
  const namespace = typeof kustomization["namespace"] === "string" ? kustomization["namespace"] : undefined;
  modeled ??= objects;
  if (namespace !== undefined) {
    for (const list of new Set([objects, modeled])) {
      for (const object of list) if (object.kind !== "Namespace") object.metadata = { ...object.metadata, namespace };
    }
  }
  return { environment, namespace, objects, modeled };
}

/** The objects of a YAML file; `undefined` when it is not YAML. */
async function documents(read: TreeReader, file: string): Promise<KubeObject[] | undefined> {
  const text = await read(file);
  if (text === undefined) return [];
  const values = yamlDocuments(text);
  return values?.filter((value): value is KubeObject => asRecord(value) !== undefined && typeof (value as KubeObject).kind === "string");
}

function first(text: string | undefined): unknown {
  return text === undefined ? undefined : yamlDocuments(text)?.[0];
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
