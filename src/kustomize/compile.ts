import { randomBytes } from "node:crypto";
import type { Namespace } from "kubernetes-types/core/v1.js";
import type { Ingress } from "kubernetes-types/networking/v1.js";
import type { PodDisruptionBudget } from "kubernetes-types/policy/v1.js";
import { ArgusKustomizeError } from "../errors.js";
import { baseResources, NAMES, type ArgusBase, type KubeObject, type Modeled } from "../model/base.js";
import type { ComponentDefinition } from "../model/components.js";
import { loadEnvironments, type EnvironmentSpec } from "../model/environment-spec.js";
import { GENERATED_CONFIG_ANNOTATIONS } from "../model/argocd-spec.js";
import { quantityValue } from "../model/quantity.js";
import { componentLabels, selectorLabels, sharedLabels } from "../model/labels.js";
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
export function compileTree<C extends string>(base: ArgusBase<C>, environments: readonly EnvironmentSpec<C>[], options: { readonly validated?: boolean } = {}): TreePlan {
  // Specs are validated once per run: resolveEnvironments did it for files and the record; a
  // script calling this directly gets the same validator here.
  if (options.validated !== true) loadEnvironments(environments.map((spec) => ({ spec })), base.components);
  const files: PlannedFile[] = [...compileBase(base as ArgusBase<string>)];
  const seeds: SeedFile[] = [];
  for (const spec of environments) {
    const overlay = compileOverlay(base as ArgusBase<string>, spec as EnvironmentSpec<string>);
    files.push(...overlay.files);
    seeds.push(...overlay.seeds);
  }
  return { files, seeds, overlays: environments.map((spec) => ({ environment: spec.name, dir: overlayDir(spec.name) })) };
}

/** `overlays/<name>`: the one place an environment name becomes a path (names are DNS labels). */
export function overlayDir(environment: string): string {
  return `overlays/${environment}`;
}

function compileBase(base: ArgusBase<string>): PlannedFile[] {
  const resources = baseResources(base);
  const kustomization: Kustomization = {
    ...KUSTOMIZATION_HEADER,
    resources: resources.map((resource) => resource.file),
    configMapGenerator: [
      {
        name: NAMES.config,
        literals: literals(base.config),
        options: { labels: sharedLabels(), annotations: { ...GENERATED_CONFIG_ANNOTATIONS } },
      },
    ],
  };
  return [
    { path: "base/kustomization.yaml", documents: [kustomization] },
    ...resources.map((resource) => ({ path: `base/${resource.file}`, documents: [resource.object] })),
  ];
}

function compileOverlay(base: ArgusBase<string>, spec: EnvironmentSpec<string>): { files: PlannedFile[]; seeds: SeedFile[] } {
  const dir = overlayDir(spec.name);
  const files: PlannedFile[] = [];
  const seeds: SeedFile[] = [];
  const extraResources: Array<{ file: string; object: KubeObject }> = [];

  if (spec.createNamespace !== false) extraResources.push({ file: "namespace.yaml", object: namespace(spec.namespace) });
  for (const component of base.components) {
    const budget = spec.disruptionBudgets?.[component.name];
    if (budget !== undefined) {
      extraResources.push({ file: `${component.name}-pdb.yaml`, object: disruptionBudget(component, budget.minAvailable) });
    }
  }
  if (spec.ingress !== undefined) extraResources.push({ file: "ingress.yaml", object: ingress(base.components, spec) });

  const patches = overlayPatches(base, spec);
  const kustomization: Kustomization = {
    ...KUSTOMIZATION_HEADER,
    resources: ["../../base", ...extraResources.map((resource) => resource.file)],
    namespace: spec.namespace,
    // Not includeSelectors: selectors are immutable on live Deployments and belong to the base.
    labels: [{ pairs: { environment: spec.name }, includeSelectors: false, includeTemplates: true }],
  };
  const images = base.components.flatMap((component) => {
    const version = spec.images?.[component.name];
    if (version === undefined) return [];
    const name = component.imageRepository;
    assertBaseHasImage(base, name, spec.name);
    return [{ name, ...("digest" in version ? { digest: version.digest } : { newTag: version.tag }) }];
  });
  if (images.length > 0) kustomization.images = images;

  const replicas = base.components.flatMap((component) => {
    const count = spec.replicas?.[component.name];
    return count === undefined || count === base.workloads[component.name]?.object.spec?.replicas ? [] : [{ name: component.deploymentName, count }];
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
function overlayPatches(base: ArgusBase<string>, spec: EnvironmentSpec<string>): Array<{ file: string; patch: Json6902Patch }> {
  const built: Array<{ file: string; patch: Json6902Patch }> = [];
  const add = (modeled: Modeled<KubeObject, string>, patch: ResourcePatch<KubeObject, string>) => {
    if (patch.isEmpty) return;
    assertBaseHas(base, modeled.object, spec.name);
    built.push({ file: `patches/${modeled.file}`, patch: withEnvironment(spec.name, () => patch.build()) });
  };

  for (const component of base.components) {
    const workload = base.workloads[component.name]!;
    const patch = ResourcePatch.of(workload);
    patch.container(component.name, (container) => setResources(component, spec, (path, value) => container.set(path, value)));
    add(workload, patch);
  }

  const data = ResourcePatch.of(base.data);
  const size = spec.storage?.size;
  if (size !== undefined && size !== base.data.object.spec?.resources?.requests?.["storage"]) {
    data.set(["spec", "resources", "requests", "storage"], size);
  }
  if (spec.storage?.className !== undefined) data.set(["spec", "storageClassName"], spec.storage.className);
  add(base.data, data);
  return built;
}

/** Calls `set` for every request and limit the spec changes (the validator checked requests <= limits). */
function setResources(
  component: ComponentDefinition,
  spec: EnvironmentSpec<string>,
  set: (path: ["resources", "requests" | "limits", string], value: string) => void,
): void {
  const wanted = spec.resources?.[component.name];
  if (wanted === undefined) return;
  for (const name of ["cpu", "memory"] as const) {
    for (const kind of ["requests", "limits"] as const) {
      const value = wanted[kind]?.[name];
      const base = component.resources[kind][name];
      // "1" and "1000m" are the same CPU: no patch for a value the base already has.
      if (value !== undefined && quantityValue(value) !== quantityValue(base)) set(["resources", kind, name], value);
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

function assertBaseHas(base: ArgusBase<string>, object: KubeObject, environment: string): void {
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
function assertBaseHasImage(base: ArgusBase<string>, repository: string, environment: string): void {
  const images = Object.values(base.workloads).flatMap(
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

function disruptionBudget(component: ComponentDefinition, minAvailable: number): PodDisruptionBudget {
  return {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: { name: component.deploymentName, labels: componentLabels(component.name) },
    spec: { minAvailable, selector: { matchLabels: selectorLabels(component.name) } },
  };
}

function ingress(components: readonly ComponentDefinition[], spec: EnvironmentSpec<string>): Ingress {
  const { host, tlsSecretName, className, exposeMetrics } = spec.ingress ?? { host: "" };
  // One host for everything: the frontend image is built with NEXT_PUBLIC_API_URL="" (relative
  // URLs), so the browser reaches the API, the WebSocket and the docs on the host it loaded from.
  const paths = components.flatMap((component) =>
    (component.routes ?? [])
      .filter((route) => route.optIn === undefined || (route.optIn === "metrics" && exposeMetrics === true))
      .map((route) => ({ path: route.path, pathType: "Prefix", backend: { service: { name: component.deploymentName, port: { name: "http" } } } })),
  );
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name: NAMES.ingress, labels: sharedLabels() },
    spec: {
      ...(className !== undefined ? { ingressClassName: className } : {}),
      ...(tlsSecretName !== undefined ? { tls: [{ hosts: [host], secretName: tlsSecretName }] } : {}),
      rules: [{ host, http: { paths } }],
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
