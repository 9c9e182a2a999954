import { randomBytes } from "node:crypto";
import { ArgusKustomizeError } from "../errors.js";
import { baseResources, NAMES, type ArgusBase, type KubeObject } from "../model/base.js";
import { loadEnvironments, type EnvironmentSpec } from "../model/environment-spec.js";
import { sharedLabels } from "../model/labels.js";
import { autoscaler, disruptionBudget, ingress, namespace, networkPolicy } from "./overlay-objects.js";
import { monitoringResources } from "./monitoring-objects.js";
import { overlayPatches } from "./overlay-patches.js";
import { httpRoute } from "./gateway-objects.js";
import { externalSecret, sealedSecret } from "./secret-objects.js";
import { GENERATED_CONFIG_ANNOTATIONS } from "../model/argocd-spec.js";
import { KUSTOMIZATION_HEADER, type Kustomization, type KustomizePatch } from "./kustomization.js";

/** A file of the generated tree, by its POSIX path relative to the tree's root. */
export type PlannedFile = { readonly path: string; readonly documents: readonly unknown[] } | { readonly path: string; readonly text: string };

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
export function compileTree<C extends string>(
  base: ArgusBase<C>,
  environments: readonly EnvironmentSpec<C>[],
  options: { readonly validated?: boolean } = {},
): TreePlan {
  // Specs are validated once per run: resolveEnvironments did it for files and the record; a
  // script calling this directly gets the same validator here.
  if (options.validated !== true)
    loadEnvironments(
      environments.map((spec) => ({ spec })),
      base.components,
    );
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
    if (budget !== undefined) extraResources.push({ file: `${component.name}-pdb.yaml`, object: disruptionBudget(component, budget) });
    const autoscaling = spec.autoscaling?.[component.name];
    if (autoscaling !== undefined) extraResources.push({ file: `${component.name}-hpa.yaml`, object: autoscaler(component, autoscaling) });
  }
  if (spec.networkPolicy !== undefined) {
    for (const component of base.components) {
      extraResources.push({ file: `${component.name}-networkpolicy.yaml`, object: networkPolicy(base.components, component, spec.networkPolicy) });
    }
  }
  if (spec.ingress !== undefined) extraResources.push({ file: "ingress.yaml", object: ingress(base.components, spec) });
  if (spec.httpRoute !== undefined) extraResources.push({ file: "httproute.yaml", object: httpRoute(base.components, spec) });
  if (spec.secret.mode === "externalSecret") extraResources.push({ file: "externalsecret.yaml", object: externalSecret(spec.secret) });
  if (spec.secret.mode === "sealedSecret") extraResources.push({ file: "sealedsecret.yaml", object: sealedSecret(spec.secret) });
  extraResources.push(...monitoringResources(base.components, spec));

  const patches = overlayPatches(base, spec);
  const kustomization: Kustomization = {
    ...KUSTOMIZATION_HEADER,
    resources: ["../../base", ...extraResources.map((resource) => resource.file)],
    namespace: spec.namespace,
    // Not includeSelectors: selectors are immutable on live Deployments and belong to the base.
    labels: [{ pairs: { environment: spec.name }, includeSelectors: false, includeTemplates: true }],
  };
  const images = base.components.flatMap((component) => {
    const image = spec.images?.[component.name];
    if (image === undefined) return [];
    const name = component.imageRepository;
    assertBaseHasImage(base, name, spec.name);
    return [
      {
        name,
        ...(image.repository !== undefined && image.repository !== name ? { newName: image.repository } : {}),
        ...(image.digest !== undefined ? { digest: image.digest } : image.tag !== undefined ? { newTag: image.tag } : {}),
      },
    ];
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
