import { stat } from "node:fs/promises";
import path from "node:path";
import type { IApplication } from "@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application";
import { ArgusKustomizeError, type Problem } from "../errors.js";
import { DNS1123_LABEL, DNS1123_SUBDOMAIN, POD_SECURITY_LABELS } from "../kubernetes/names.js";
import { overlayDir, type PlannedFile, type TreePlan } from "../kustomize/compile.js";
import { argocdRefusal, type ArgoCDOptions } from "../model/argocd-spec.js";
import type { ComponentRegistry } from "../model/components.js";
import type { EnvironmentSpec } from "../model/environment-spec.js";
import { sharedLabels } from "../model/labels.js";
import type { ArgusArgoCDConfig } from "../model/config.js";
import { RECORD_FILE, type RecordedArgoCD, type RecordedSource } from "../tree/record.js";
import { deriveSource } from "./source.js";
import { ARGOCD_REPO_URL_PLACEHOLDER } from "./placeholder.js";

export type { ArgoCDOptions };

/*
 * argocd/: one Argo CD Application per environment that opts in (not one ApplicationSet). Each
 * environment differs in what Argo CD must know about it (whether it owns its Namespace, which
 * Deployments an autoscaler scales, whether it syncs automatically); an Application carries that
 * as plain fields, where an ApplicationSet's git generator would need templatePatch per
 * environment. The Applications are not rendered by kustomize: generate validates them against
 * the Argo CD CRD schema directly, and check compares them like every other generated file.
 */

export { ARGOCD_REPO_URL_PLACEHOLDER };

/** Settings after options, record and defaults are combined. */
export interface ArgoCDSettings {
  readonly all: boolean;
  readonly repoURL: string;
  readonly repoURLIsPlaceholder: boolean;
  readonly targetRevision: string;
  readonly project: string;
  readonly destination: { readonly server: string } | { readonly name: string };
  readonly applicationNamespace: string;
  /** The tree's directory inside the Git repository, POSIX, "" at its root. */
  readonly treePath: string;
}

/** One generated Application, for summaries and JSON output. */
export interface ApplicationSummary {
  readonly environment: string;
  /** The file, relative to the tree's root (argocd/<environment>.yaml). */
  readonly file: string;
  readonly name: string;
  readonly repoURL: string;
  /** The overlay's path inside the repository (spec.source.path). */
  readonly path: string;
}

/** Which option each setting comes from, for messages: its flag, and its key in the record. */
const FLAGS: Readonly<Record<keyof RecordedArgoCD, string>> = {
  all: "--argocd",
  repoURL: "--repo-url",
  targetRevision: "--target-revision",
  project: "--project",
  destinationServer: "--dest-server",
  destinationName: "--dest-name",
  applicationNamespace: "--app-namespace",
};

const CHECKS: Readonly<Record<Exclude<keyof RecordedArgoCD, "all">, (value: string) => string | undefined>> = {
  repoURL: (value) =>
    /^(https?|ssh|git):\/\/[^\s/]+\/\S+$/.test(value) || /^[\w.-]+@[\w.-]+:\S+$/.test(value)
      ? undefined
      : "is not a Git repository URL (https://host/owner/repo.git, ssh://git@host/owner/repo.git or git@host:owner/repo.git)",
  targetRevision: (value) =>
    /^[^\s~^:?*[\\]+$/.test(value) && !value.startsWith("-") ? undefined : "is not a branch, tag or commit (no spaces, ~ ^ : ? * [ \\, not starting with -)",
  project: (value) => (value.length <= 253 && DNS1123_SUBDOMAIN.test(value) ? undefined : "is not an AppProject name (lowercase DNS name)"),
  destinationServer: (value) => (/^https?:\/\/[^\s/]+(\/\S*)?$/.test(value) ? undefined : "is not a cluster API server URL (https://host[:port])"),
  destinationName: (value) => (/^\S+$/.test(value) ? undefined : "is not a cluster name (no spaces)"),
  applicationNamespace: (value) => (value.length <= 63 && DNS1123_LABEL.test(value) ? undefined : "is not a namespace name (DNS-1123 label)"),
};

/** Where a run's Argo CD settings come from, besides the defaults. */
export interface ArgoCDSources {
  /** Given to this run (command line or generate's options): recorded. */
  readonly given?: ArgoCDOptions;
  /** The config file's `argocd`: read on every run, never recorded. */
  readonly config?: ArgusArgoCDConfig;
  /** The config file, for messages. */
  readonly configFile?: string;
  /** What the tree's record holds. */
  readonly recorded?: RecordedArgoCD;
  readonly recordedSource?: RecordedSource;
}

/** The config's `argocd` as options. */
function configOptions(config: ArgusArgoCDConfig | undefined): ArgoCDOptions {
  if (config === undefined) return {};
  const destination = config.destination as { server?: string; name?: string } | undefined;
  return {
    ...(config.repoURL !== undefined ? { repoURL: config.repoURL } : {}),
    ...(config.targetRevision !== undefined ? { targetRevision: config.targetRevision } : {}),
    ...(config.project !== undefined ? { project: config.project } : {}),
    ...(destination?.server !== undefined ? { destinationServer: destination.server } : {}),
    ...(destination?.name !== undefined ? { destinationName: destination.name } : {}),
  };
}

/**
 * Combines, setting by setting, the options of this run, the config, the record and the defaults
 * (in that order), and derives repoURL and path from the repository holding the tree where
 * nothing names them; returns the settings, what the record keeps of the options (only those
 * given, never derived ones), and the source it used (recorded for a copy without `.git`).
 *
 * @throws ArgusKustomizeError USAGE for a bad option value (naming the flag), CONFIG_INVALID for a
 * bad config value (naming the file), INVALID_SPEC for a bad recorded one (naming the record)
 */
export async function resolveArgoCD(
  dir: string,
  sources: ArgoCDSources = {},
): Promise<{ settings: ArgoCDSettings; record: RecordedArgoCD | undefined; source: RecordedSource }> {
  const given = sources.given ?? {};
  const fromConfig = configOptions(sources.config);
  const recorded = sources.recorded ?? {};
  const problems: Problem[] = [];
  const usage: Problem[] = [];
  const config: Problem[] = [];
  const merged: Record<string, unknown> = {};
  const layers = [
    { name: "given", options: given },
    { name: "config", options: fromConfig },
    { name: "record", options: recorded },
  ] as const;
  // The cluster by URL or by name is one choice: it comes whole from the first place naming one.
  const destination = layers.find(({ options }) => options.destinationServer !== undefined || options.destinationName !== undefined);
  for (const key of Object.keys(FLAGS) as Array<keyof RecordedArgoCD>) {
    const layer = key === "destinationServer" || key === "destinationName" ? destination : layers.find(({ options }) => options[key] !== undefined);
    const value = layer?.options[key];
    if (layer === undefined || value === undefined) continue;
    const check = key === "all" ? (typeof value === "boolean" ? undefined : () => "must be true or false") : CHECKS[key];
    const message = typeof check === "function" ? (typeof value === "string" ? check(value) : "must be a string") : check;
    if (message !== undefined) {
      const text = `${JSON.stringify(value)} ${message}`;
      if (layer.name === "given") usage.push({ field: `${FLAGS[key]} (argocd.${key})`, message: text });
      else if (layer.name === "config")
        config.push({ ...(sources.configFile !== undefined ? { file: sources.configFile } : {}), field: `argocd.${CONFIG_KEYS[key] ?? key}`, message: text });
      else problems.push({ file: RECORD_FILE, field: `argocd.${key}`, message: text });
    }
    merged[key] = value;
  }
  if (merged["destinationServer"] !== undefined && merged["destinationName"] !== undefined) {
    const both = { field: "--dest-server / --dest-name", message: "give the destination cluster by server URL or by name, not both" };
    if (destination?.name === "record") problems.push({ ...both, file: RECORD_FILE, field: "argocd.destinationServer / argocd.destinationName" });
    else usage.push(both);
  }
  // The record keeps what was given explicitly, now or before; never the config's (read on every
  // run) nor a derived value.
  const kept: Record<string, unknown> = { ...recorded };
  if (given.destinationServer !== undefined || given.destinationName !== undefined) {
    delete kept["destinationServer"];
    delete kept["destinationName"];
  }
  for (const [key, value] of Object.entries(given)) if (value !== undefined) kept[key] = value;
  if (usage.length > 0) throw new ArgusKustomizeError("USAGE", `${usage.length} bad Argo CD option(s); nothing was written`, { problems: usage });
  if (config.length > 0) {
    throw new ArgusKustomizeError("CONFIG_INVALID", `${config.length} bad Argo CD setting(s) in the config; nothing was written`, {
      problems: config,
      ...(sources.configFile !== undefined ? { location: { file: sources.configFile } } : {}),
    });
  }
  if (problems.length > 0) {
    throw new ArgusKustomizeError("INVALID_SPEC", `the record's Argo CD settings are damaged; give them again (e.g. --repo-url) or restore ${RECORD_FILE}`, {
      problems,
    });
  }

  // From the tree's own directory, never the working directory: the same tree must give the same
  // Application wherever the command runs.
  const derived = await deriveSource(dir, sources.recordedSource, (url) => CHECKS.repoURL(url) === undefined);
  const repoURL = (merged["repoURL"] as string | undefined) ?? derived.repoURL;
  const settings: ArgoCDSettings = {
    all: merged["all"] === true,
    repoURL: repoURL ?? ARGOCD_REPO_URL_PLACEHOLDER,
    repoURLIsPlaceholder: repoURL === undefined,
    targetRevision: (merged["targetRevision"] as string | undefined) ?? "HEAD",
    project: (merged["project"] as string | undefined) ?? "default",
    destination:
      merged["destinationName"] !== undefined
        ? { name: merged["destinationName"] as string }
        : { server: (merged["destinationServer"] as string | undefined) ?? "https://kubernetes.default.svc" },
    applicationNamespace: (merged["applicationNamespace"] as string | undefined) ?? "argocd",
    treePath: derived.path,
  };
  // `all: false` is the default: recording it would only add noise.
  if (kept["all"] === false) delete kept["all"];
  // The source used, for a later run without `.git`: a repoURL named explicitly is kept as that.
  const source: RecordedSource = derived.repoURL !== undefined ? { repoURL: derived.repoURL, path: derived.path } : { path: derived.path };
  return { settings, record: Object.keys(kept).length > 0 ? (kept as RecordedArgoCD) : undefined, source };
}

/** The config's name of each setting, where it differs. */
const CONFIG_KEYS: Partial<Record<keyof RecordedArgoCD, string>> = { destinationServer: "destination.server", destinationName: "destination.name" };

/**
 * The Deployments whose replica count an autoscaler owns (so Argo CD must not reset it).
 * Reads the per-component `autoscaling` field defensively: it belongs to the environment schema's
 * issue-7 options and may be absent from this version of the spec.
 */
export function autoscaledDeployments(spec: EnvironmentSpec<string>, registry: ComponentRegistry): string[] {
  const autoscaling = (spec as { autoscaling?: Record<string, unknown> }).autoscaling;
  if (typeof autoscaling !== "object" || autoscaling === null) return [];
  return registry
    .filter((component) => {
      const entry = autoscaling[component.name];
      return entry !== undefined && entry !== null && entry !== false && (entry as { enabled?: unknown }).enabled !== false;
    })
    .map((component) => component.deploymentName);
}

/** The tree's directory of Argo CD Applications. */
export const APPLICATIONS_DIR = "argocd";

/** `argocd/<environment>.yaml`. */
export function applicationFile(environment: string): string {
  return `${APPLICATIONS_DIR}/${environment}.yaml`;
}

/**
 * The environments that get an Application.
 *
 * @throws ArgusKustomizeError INVALID_SPEC when `all` would include an environment Argo CD cannot sync
 */
export function argocdEnvironments(specs: readonly EnvironmentSpec<string>[], settings: Pick<ArgoCDSettings, "all">): EnvironmentSpec<string>[] {
  // Per-environment opt-ins were refused by the spec validator (with file and line). The flag means
  // every environment Argo CD can sync: one whose Secret is machine-local (dev's generated
  // secrets.env, never committed) is left out rather than failing the whole run.
  return specs.filter((spec) => spec.argocd?.enabled === true || (settings.all && spec.argocd?.enabled !== false && argocdRefusal(spec) === undefined));
}

/** The Application of one environment. */
export function application(spec: EnvironmentSpec<string>, settings: ArgoCDSettings, registry: ComponentRegistry): IApplication {
  const ownsNamespace = spec.createNamespace !== false;
  const autoscaled = autoscaledDeployments(spec, registry);
  const automated = spec.argocd?.automated;
  const syncOptions = [
    // Argo CD creates the namespace the overlay does not carry, labelled like the overlay's own
    // Namespace would be (restricted Pod Security), and never deletes it.
    ...(ownsNamespace ? [] : ["CreateNamespace=true"]),
    // ignoreDifferences only hides a difference; without this a sync would still reset the
    // autoscaler's replica count to the overlay's.
    ...(autoscaled.length > 0 ? ["RespectIgnoreDifferences=true"] : []),
  ];
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Application",
    metadata: { name: `argusai-${spec.name}`, namespace: settings.applicationNamespace, labels: { ...sharedLabels(), environment: spec.name } },
    spec: {
      project: settings.project,
      source: { repoURL: settings.repoURL, targetRevision: settings.targetRevision, path: path.posix.join(settings.treePath, overlayDir(spec.name)) },
      destination: { ...settings.destination, namespace: spec.namespace },
      syncPolicy: {
        ...(automated !== undefined ? { automated: { prune: automated.prune === true, selfHeal: automated.selfHeal === true } } : {}),
        ...(syncOptions.length > 0 ? { syncOptions } : {}),
        ...(ownsNamespace ? {} : { managedNamespaceMetadata: { labels: { ...POD_SECURITY_LABELS } } }),
      },
      ...(autoscaled.length > 0
        ? { ignoreDifferences: autoscaled.map((name) => ({ group: "apps", kind: "Deployment", name, jsonPointers: ["/spec/replicas"] })) }
        : {}),
    },
  };
}

/** A plan with the argocd/ files added, and what they are. */
export interface PlanWithApplications {
  readonly plan: TreePlan;
  readonly applications: readonly ApplicationSummary[];
  readonly objects: ReadonlyArray<{ readonly file: string; readonly object: IApplication }>;
  readonly settings: ArgoCDSettings;
  readonly record: RecordedArgoCD | undefined;
  readonly source: RecordedSource;
}

/**
 * Adds argocd/<environment>.yaml for every environment that opts in (or all, with `all`).
 *
 * @throws ArgusKustomizeError USAGE / INVALID_SPEC for bad options or an environment Argo CD cannot sync
 */
export async function withApplications(
  dir: string,
  plan: TreePlan,
  specs: readonly EnvironmentSpec<string>[],
  registry: ComponentRegistry,
  sources: ArgoCDSources,
): Promise<PlanWithApplications> {
  const { settings, record, source } = await resolveArgoCD(dir, sources);
  const objects = argocdEnvironments(specs, settings).map((spec) => ({
    environment: spec.name,
    file: applicationFile(spec.name),
    object: application(spec, settings, registry),
  }));
  const files: PlannedFile[] = objects.map(({ file, object }) => ({ path: file, documents: [object] }));
  return {
    plan: { ...plan, files: [...plan.files, ...files] },
    applications: objects.map(({ environment, file, object }) => ({
      environment,
      file,
      name: object.metadata.name ?? "",
      repoURL: settings.repoURL,
      path: object.spec.source?.path ?? "",
    })),
    objects,
    settings,
    record,
    source,
  };
}

/**
 * Validates Applications as they will be committed: the Argo CD CRD schema (@kubernetes-models/argo-cd
 * 2.7) and a source path that is an overlay of the tree in `root` (a staging copy during generate).
 */
export async function validateApplications(root: string, planned: PlanWithApplications): Promise<Problem[]> {
  // The schema module loads only for a tree that has Applications.
  if (planned.objects.length === 0) return [];
  const { Application } = await import("@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application");
  const problems: Problem[] = [];
  for (const { file, object } of planned.objects) {
    const environment = object.metadata.labels?.["environment"];
    const where = { file, ...(environment !== undefined ? { environment } : {}) };
    try {
      new Application(object).validate();
    } catch (error) {
      const errors = (error as { errors?: Array<{ instancePath: string; message?: string }> }).errors ?? [];
      for (const detail of errors.length > 0 ? errors : [{ instancePath: "", message: (error as Error).message }]) {
        problems.push({
          ...where,
          field: detail.instancePath.split("/").filter(Boolean).join(".") || "(top level)",
          message: `[argocd-schema] ${detail.message ?? "invalid"}`,
        });
      }
    }
    const sourcePath = object.spec.source?.path ?? "";
    const inTree = planned.settings.treePath === "" ? sourcePath : sourcePath.slice(planned.settings.treePath.length + 1);
    const kustomization = await stat(path.join(root, ...inTree.split("/"), "kustomization.yaml")).catch(() => undefined);
    if (!sourcePath.startsWith(planned.settings.treePath) || kustomization === undefined) {
      problems.push({ ...where, field: "spec.source.path", message: `${sourcePath} is not an overlay of the tree (no kustomization.yaml there)` });
    }
  }
  return problems;
}
