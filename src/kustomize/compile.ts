import { randomBytes } from "node:crypto";
import type { Deployment } from "kubernetes-types/apps/v1.js";
import type { Namespace } from "kubernetes-types/core/v1.js";
import type { Ingress } from "kubernetes-types/networking/v1.js";
import type { PodDisruptionBudget } from "kubernetes-types/policy/v1.js";
import { ArgusKustomizeError } from "../errors.js";
import { baseResources, IMAGE_REPOSITORIES, NAMES, type ArgusBase, type KubeObject, type Modeled } from "../model/base.js";
import { loadEnvironments, requestAboveLimit, type EnvironmentSpec } from "../model/environment-spec.js";
import { sameQuantity } from "../model/quantity.js";
import { COMPONENTS, componentLabels, selectorLabels, sharedLabels, type Component } from "../model/labels.js";
import { ResourcePatch, type Json6902Patch } from "../patch/json6902.js";
import { KUSTOMIZATION_HEADER, type Kustomization, type KustomizePatch } from "./kustomization.js";

/** A file of the generated tree, by its POSIX path relative to the tree's root. */
export type PlannedFile =
  | { readonly path: string; readonly documents: readonly unknown[] }
  | { readonly path: string; readonly text: string };

/**
 * A file generate creates once when missing and then never touches again (a dev Secret's random
 * values). It is not owned: check ignores it and generate never deletes it.
 */
export interface SeedFile {
  readonly path: string;
  readonly create: () => string;
}

/** Everything one generate run writes. */
export interface TreePlan {
  readonly files: readonly PlannedFile[];
  readonly seeds: readonly SeedFile[];
  /** Overlay directories, relative to the root, one per environment, in spec order. */
  readonly overlays: ReadonlyArray<{ readonly environment: string; readonly dir: string }>;
}

/** Kustomize's files for the base and one overlay per environment, verified in-process. */
export function compileTree(base: ArgusBase, environments: readonly EnvironmentSpec[]): TreePlan {
  // Scripts' specs pass the same validator as environment files (the CLI validated those already).
  loadEnvironments(environments.map((spec) => ({ spec })));
  const files: PlannedFile[] = [...compileBase(base)];
  const seeds: SeedFile[] = [];
  for (const spec of environments) {
    const overlay = compileOverlay(base, spec);
    files.push(...overlay.files);
    seeds.push(...overlay.seeds);
  }
  return { files, seeds, overlays: environments.map((spec) => ({ environment: spec.name, dir: overlayDir(spec.name) })) };
}

/** `overlays/<name>`: the one place an environment name becomes a path (names are DNS labels). */
export function overlayDir(environment: string): string {
  return `overlays/${environment}`;
}

function compileBase(base: ArgusBase): PlannedFile[] {
  const resources = baseResources(base);
  const kustomization: Kustomization = {
    ...KUSTOMIZATION_HEADER,
    resources: resources.map((resource) => resource.file),
    configMapGenerator: [
      {
        name: NAMES.config,
        literals: literals(base.config),
        options: { labels: sharedLabels() },
      },
    ],
  };
  return [
    { path: "base/kustomization.yaml", documents: [kustomization] },
    ...resources.map((resource) => ({ path: `base/${resource.file}`, documents: [resource.object] })),
  ];
}

function compileOverlay(base: ArgusBase, spec: EnvironmentSpec): { files: PlannedFile[]; seeds: SeedFile[] } {
  const dir = overlayDir(spec.name);
  const files: PlannedFile[] = [];
  const seeds: SeedFile[] = [];
  const extraResources: Array<{ file: string; object: KubeObject }> = [];

  if (spec.createNamespace !== false) extraResources.push({ file: "namespace.yaml", object: namespace(spec.namespace) });
  for (const component of COMPONENTS) {
    const budget = spec.disruptionBudgets?.[component];
    if (budget !== undefined) {
      extraResources.push({ file: `${component}-pdb.yaml`, object: disruptionBudget(component, budget.minAvailable) });
    }
  }
  if (spec.ingress !== undefined) extraResources.push({ file: "ingress.yaml", object: ingress(spec) });

  const patches = overlayPatches(base, spec);
  const kustomization: Kustomization = {
    ...KUSTOMIZATION_HEADER,
    resources: ["../../base", ...extraResources.map((resource) => resource.file)],
    namespace: spec.namespace,
    // Not includeSelectors: selectors are immutable on live Deployments and belong to the base.
    labels: [{ pairs: { environment: spec.name }, includeSelectors: false, includeTemplates: true }],
  };
  const images = COMPONENTS.flatMap((component) => {
    const version = spec.images?.[component];
    if (version === undefined) return [];
    const name = IMAGE_REPOSITORIES[component];
    assertBaseHasImage(base, name, spec.name);
    return [{ name, ...("digest" in version ? { digest: version.digest } : { newTag: version.tag }) }];
  });
  if (images.length > 0) kustomization.images = images;

  const replicas = COMPONENTS.flatMap((component) => {
    const count = spec.replicas?.[component];
    return count === undefined || count === base[component].object.spec?.replicas ? [] : [{ name: NAMES[component], count }];
  });
  if (replicas.length > 0) kustomization.replicas = replicas;

  if (spec.config !== undefined && Object.keys(spec.config).length > 0) {
    kustomization.configMapGenerator = [{ name: NAMES.config, behavior: "merge", literals: literals(spec.config) }];
  }
  if (spec.secret.mode === "generated") {
    kustomization.secretGenerator = [{ name: NAMES.secret, envs: ["secrets.env"], options: { labels: sharedLabels() } }];
    files.push({ path: `${dir}/.gitignore`, text: "# Random dev secrets, created once by argusai-kustomize generate: never commit them.\nsecrets.env\n" });
    seeds.push({ path: `${dir}/secrets.env`, create: randomDevSecrets });
  }
  if (patches.length > 0) {
    kustomization.patches = patches.map(({ file, patch }): KustomizePatch => ({ path: file, target: { ...patch.target } }));
  }

  files.push({ path: `${dir}/kustomization.yaml`, documents: [kustomization] });
  for (const resource of extraResources) files.push({ path: `${dir}/${resource.file}`, documents: [resource.object] });
  for (const { file, patch } of patches) files.push({ path: `${dir}/${file}`, documents: [patch.operations] });
  return { files, seeds };
}

/** The typed patches an environment needs, each built (and so verified) against the base. */
function overlayPatches(base: ArgusBase, spec: EnvironmentSpec): Array<{ file: string; patch: Json6902Patch }> {
  const built: Array<{ file: string; patch: Json6902Patch }> = [];
  const add = (modeled: Modeled<KubeObject, string>, patch: ResourcePatch<KubeObject, string>) => {
    if (patch.isEmpty) return;
    assertBaseHas(base, modeled.object, spec.name);
    built.push({ file: `patches/${modeled.file}`, patch: withEnvironment(spec.name, () => patch.build()) });
  };

  const backend = ResourcePatch.of(base.backend);
  backend.container("backend", (container) => setResources(base.backend, "backend", spec, (path, value) => container.set(path, value)));
  add(base.backend, backend);

  const frontend = ResourcePatch.of(base.frontend);
  frontend.container("frontend", (container) => setResources(base.frontend, "frontend", spec, (path, value) => container.set(path, value)));
  add(base.frontend, frontend);

  const data = ResourcePatch.of(base.data);
  const size = spec.storage?.size;
  if (size !== undefined && size !== base.data.object.spec?.resources?.requests?.["storage"]) {
    data.set(["spec", "resources", "requests", "storage"], size);
  }
  if (spec.storage?.className !== undefined) data.set(["spec", "storageClassName"], spec.storage.className);
  add(base.data, data);
  return built;
}

/** Calls `set` for every request and limit the spec changes, after checking requests <= limits. */
function setResources(
  modeled: Modeled<Deployment, Component>,
  component: Component,
  spec: EnvironmentSpec,
  set: (path: ["resources", "requests" | "limits", string], value: string) => void,
): void {
  const wanted = spec.resources?.[component];
  if (wanted === undefined) return;
  const current = modeled.object.spec?.template.spec?.containers.find((container) => container.name === component)?.resources ?? {};
  const conflict = requestAboveLimit(wanted, current);
  if (conflict !== undefined) {
    throw new ArgusKustomizeError("INVALID_SPEC", `request ${conflict.request} is above the limit ${conflict.limit} (limits not given are the base's)`, {
      location: { environment: spec.name, field: `resources.${component}.requests.${conflict.name}` },
    });
  }
  for (const name of ["cpu", "memory"] as const) {
    for (const kind of ["requests", "limits"] as const) {
      const value = wanted[kind]?.[name];
      const base = current[kind]?.[name];
      // "1" and "1000m" are the same CPU: no patch for a value the base already has.
      if (value !== undefined && (base === undefined || !sameQuantity(value, base))) set(["resources", kind, name], value);
    }
  }
}

function withEnvironment<T>(environment: string, build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof ArgusKustomizeError && error.location.environment === undefined) {
      throw new ArgusKustomizeError(error.code, error.message, { cause: error, location: { ...error.location, environment } });
    }
    throw error;
  }
}

function assertBaseHas(base: ArgusBase, object: KubeObject, environment: string): void {
  const found = baseResources(base).some(
    (resource) => resource.object.kind === object.kind && resource.object.metadata?.name === object.metadata?.name,
  );
  if (!found) {
    throw new ArgusKustomizeError("TARGET_NOT_FOUND", `the base has no ${object.kind} named ${object.metadata?.name}`, {
      location: { environment, field: "patches" },
    });
  }
}

/** kustomize silently ignores an `images:` entry that matches nothing; here it is an error. */
function assertBaseHasImage(base: ArgusBase, repository: string, environment: string): void {
  const images = [base.backend, base.frontend].flatMap(
    (modeled) => modeled.object.spec?.template.spec?.containers.map((container) => container.image ?? "") ?? [],
  );
  if (!images.some((image) => image === repository || image.startsWith(`${repository}:`) || image.startsWith(`${repository}@`))) {
    throw new ArgusKustomizeError("TARGET_NOT_FOUND", `no container of the base uses the image ${repository}`, {
      location: { environment, field: "images" },
    });
  }
}

function literals(values: Readonly<Record<string, string>>): string[] {
  return Object.keys(values)
    .sort()
    .map((key) => `${key}=${values[key]}`);
}

function namespace(name: string): Namespace {
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name,
      labels: {
        ...sharedLabels(),
        // Every pod of ArgusAI meets the restricted profile; the namespace enforces that it stays so.
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/warn": "restricted",
      },
    },
  };
}

function disruptionBudget(component: Component, minAvailable: number): PodDisruptionBudget {
  return {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: { name: NAMES[component], labels: componentLabels(component) },
    spec: { minAvailable, selector: { matchLabels: selectorLabels(component) } },
  };
}

function ingress(spec: EnvironmentSpec): Ingress {
  const { host, tlsSecretName, className } = spec.ingress ?? { host: "" };
  const route = (path: string, component: Component) => ({
    path,
    pathType: "Prefix",
    backend: { service: { name: NAMES[component], port: { name: "http" } } },
  });
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name: "argusai", labels: sharedLabels() },
    spec: {
      ...(className !== undefined ? { ingressClassName: className } : {}),
      ...(tlsSecretName !== undefined ? { tls: [{ hosts: [host], secretName: tlsSecretName }] } : {}),
      rules: [{ host, http: { paths: [route("/api", "backend"), route("/ws", "backend"), route("/", "frontend")] } }],
    },
  };
}

/** Fresh values for the dev Secret: a Fernet key (32 url-safe base64 bytes) and a JWT key. */
function randomDevSecrets(): string {
  const fernetKey = randomBytes(32).toString("base64").replaceAll("+", "-").replaceAll("/", "_");
  return [
    "# Created by argusai-kustomize generate for this machine only; git-ignored, never overwritten.",
    `ENCRYPTION_KEY=${fernetKey}`,
    `JWT_SECRET_KEY=${randomBytes(32).toString("hex")}`,
    "",
  ].join("\n");
}
