import { isDeepStrictEqual } from "node:util";
import { hasSyncOption } from "../model/argocd-protection.js";
import type { KubeObject } from "../model/base.js";
import { compareQuantities, parseQuantity } from "../model/quantity.js";
import type { CompiledOverlay } from "./compiled-objects.js";

/*
 * What a live cluster refuses, or what loses data, when an environment's objects as last
 * committed (and so, as far as we can know, as applied) are replaced by the ones generate is about
 * to write. Pure functions over (before, after); the I/O is in upgrade-check.ts.
 *
 * The rules mirror the API server's update validation:
 * - PersistentVolumeClaim (core validation, ValidatePersistentVolumeClaimUpdate): the spec is
 *   immutable after creation except `resources.requests.storage`, which may only grow ("field can
 *   not be less than previous value"). A nil storageClassName may be set later only when the claim
 *   still has none; but the DefaultStorageClass admission plugin gives a claim without one the
 *   cluster's default class at creation, so setting it later is refused unless it names that class.
 * - Deployment (apps/v1): `spec.selector` is immutable ("field is immutable").
 * Ours, not the API server's: a Service whose selector stops selecting the pods it selects now (the
 * API server accepts it; the pods lose their traffic), a namespace change of an environment with a
 * data volume (every object is created anew in the new namespace, with an empty volume, and the
 * database stays behind), and a Namespace leaving the overlay without Argo CD's Prune=false (a
 * pruning sync would delete it, and everything in it).
 */

/** One change generate refuses (unless allowed for its environment). */
export interface UpgradeFinding {
  readonly environment: string;
  /** The environment's field that makes the change (`storage.className`), else the object's field (`spec.selector`). */
  readonly field: string;
  /** `Kind/name` of the object that changes. */
  readonly object: string;
  /** The object's field, dotted. */
  readonly objectField: string;
  /** The value as committed; `null` when absent. */
  readonly before: unknown;
  /** The value generate would write; `null` when absent. */
  readonly after: unknown;
  /** Why a live cluster refuses it, or what it loses. */
  readonly reason: string;
  /** The way forward. */
  readonly fix: string;
}

/** Every refused change from `before` to `after` of one environment, in a stable order. */
export function upgradeFindings(before: CompiledOverlay, after: CompiledOverlay): UpgradeFinding[] {
  const environment = after.environment;
  const allow = `then generate again with --allow-replace ${environment}`;
  const claims = before.objects.filter((object) => object.kind === "PersistentVolumeClaim");
  if (before.namespace !== after.namespace) {
    // Every object moves, so the immutability of the old ones no longer matters: only the data does.
    return claims.map((claim) => ({
      environment,
      field: "namespace",
      object: id(claim),
      objectField: "metadata.namespace",
      before: before.namespace ?? null,
      after: after.namespace ?? null,
      reason:
        `moves every object to namespace ${after.namespace ?? "(none)"}: ${id(claim)} is created there anew, empty, while the SQLite database stays behind ` +
        `in ${before.namespace ?? "(none)"} (the old objects are not deleted either)`,
      fix: `keep namespace: ${before.namespace ?? "(none)"}, or copy the data into the new namespace's volume by hand (docs/upgrades.md, "Moving an environment to another namespace") and ${allow}`,
    }));
  }
  return [
    ...claims.flatMap((claim) =>
      claimFindings(
        environment,
        { before: claim, after: counterpart(after, claim) },
        { before: counterpart({ objects: before.modeled }, claim), after: counterpart({ objects: after.modeled }, claim) },
        allow,
      ),
    ),
    ...before.objects
      .filter((object) => object.kind === "Deployment")
      .flatMap((deployment) => deploymentFindings(environment, deployment, counterpart(after, deployment), selectorCause(before, after, deployment), allow)),
    ...before.objects
      .filter((object) => object.kind === "Service")
      .flatMap((service) => serviceFindings(environment, service, before, after, selectorCause(before, after, service), allow)),
    ...before.objects.filter((object) => object.kind === "Namespace").flatMap((namespace) => namespaceFindings(environment, namespace, after, allow)),
  ];
}

/** The `storage.accessMode` value that renders `accessModes` (the field takes one mode; a list from a patch is shown as it is). */
function accessModeField(accessModes: unknown): string {
  return Array.isArray(accessModes) && accessModes.length === 1 && typeof accessModes[0] === "string" ? accessModes[0] : JSON.stringify(accessModes ?? null);
}

/** A claim as committed and as generate would write it. */
interface ClaimVersions {
  readonly before: KubeObject | undefined;
  readonly after: KubeObject | undefined;
}

/**
 * The refused changes of one claim. `modeled` is the claim as the environment's fields make it,
 * before its escape-hatch patches: a change the fields do not make there (the class, the access
 * mode, the size) is the patches', and is blamed on them.
 */
function claimFindings(environment: string, versions: ClaimVersions, modeled: ClaimVersions, allow: string): UpgradeFinding[] {
  const claim = versions.before;
  const next = versions.after;
  if (claim === undefined || next === undefined) return [];
  const old = record(record(claim)["spec"]);
  const now = record(record(next)["spec"]);
  const modeledOld = record(record(modeled.before)["spec"]);
  const modeledNow = record(record(modeled.after)["spec"]);
  const byFields = (key: string) => !isDeepStrictEqual(modeledOld[key], modeledNow[key]);
  const findings: UpgradeFinding[] = [];
  const finding = (field: string, objectField: string, from: unknown, to: unknown, reason: string, fix: string) =>
    findings.push({ environment, field, object: id(claim), objectField, before: from ?? null, after: to ?? null, reason, fix });
  const immutable = "a PersistentVolumeClaim's spec is immutable after creation (only a larger storage request is accepted): the API server refuses the update";
  const migrate = `migrate the data to a new claim by hand (docs/upgrades.md, "Changing the data volume's class, access mode or size") and ${allow}`;
  const patchFix = `remove the escape-hatch patch that changes it, or ${migrate}`;
  for (const key of [...new Set([...Object.keys(old), ...Object.keys(now)])].sort()) {
    if (key === "resources") continue;
    if (isDeepStrictEqual(old[key], now[key])) continue;
    if ((key === "storageClassName" || key === "accessModes") && !byFields(key)) {
      // The fields render the same value before and after: an escape-hatch patch makes the change.
      finding("patches", `spec.${key}`, old[key], now[key], immutable, patchFix);
    } else if (key === "storageClassName") {
      const reason =
        old[key] === undefined
          ? `${immutable}; the claim was given the cluster's default StorageClass when it was created, so only that class's name is accepted`
          : immutable;
      const fix =
        old[key] === undefined
          ? `if ${String(now[key])} is the cluster's default class, ${allow}; otherwise ${migrate}`
          : `keep storage.className ${String(old[key])}, or ${migrate}`;
      finding("storage.className", "spec.storageClassName", old[key], now[key], reason, fix);
    } else if (key === "accessModes") {
      finding("storage.accessMode", "spec.accessModes", old[key], now[key], immutable, `keep storage.accessMode ${accessModeField(old[key])}, or ${migrate}`);
    } else {
      finding("patches", `spec.${key}`, old[key], now[key], immutable, patchFix);
    }
  }
  const oldResources = record(old["resources"]);
  const newResources = record(now["resources"]);
  const oldSize = record(oldResources["requests"])["storage"];
  const newSize = record(newResources["requests"])["storage"];
  const parsedOld = typeof oldSize === "string" ? parseQuantity(oldSize) : undefined;
  const parsedNew = typeof newSize === "string" ? parseQuantity(newSize) : undefined;
  if (parsedOld?.ok === true && (parsedNew === undefined || (parsedNew.ok && compareQuantities(parsedNew.value, parsedOld.value) < 0))) {
    const sizeByFields = !isDeepStrictEqual(
      record(record(modeledOld["resources"])["requests"])["storage"],
      record(record(modeledNow["resources"])["requests"])["storage"],
    );
    finding(
      sizeByFields ? "storage.size" : "patches",
      "spec.resources.requests.storage",
      oldSize,
      newSize,
      'a claim\'s storage request can only grow: the API server refuses a smaller one ("field can not be less than previous value"), and volumes do not shrink',
      sizeByFields ? `keep storage.size at ${String(oldSize)} or more, or ${migrate}` : patchFix,
    );
  }
  // Anything else under resources (limits, other requests) is as immutable as the rest of the spec.
  const rest = (resources: Record<string, unknown>) => ({ ...resources, requests: { ...record(resources["requests"]), storage: undefined } });
  if (!isDeepStrictEqual(rest(oldResources), rest(newResources))) {
    finding("patches", "spec.resources", oldResources, newResources, immutable, patchFix);
  }
  return findings;
}

/**
 * What changes an object's selector: the components (a component's name makes its selector labels;
 * a config file can rename one) when the objects without the escape-hatch patches differ too, else
 * the patches. Said as the way back.
 */
function selectorCause(before: CompiledOverlay, after: CompiledOverlay, object: KubeObject): string {
  const selector = (overlay: CompiledOverlay) => record(record(counterpart({ objects: overlay.modeled }, object))["spec"])["selector"];
  return isDeepStrictEqual(selector(before), selector(after))
    ? "remove the escape-hatch patch that changes it"
    : "keep the component's name, which makes its selector labels, as it was in the config";
}

function deploymentFindings(environment: string, deployment: KubeObject, next: KubeObject | undefined, cause: string, allow: string): UpgradeFinding[] {
  if (next === undefined) return [];
  const old = record(record(deployment)["spec"])["selector"];
  const now = record(record(next)["spec"])["selector"];
  if (isDeepStrictEqual(old, now)) return [];
  return [
    {
      environment,
      field: "spec.selector",
      object: id(deployment),
      objectField: "spec.selector",
      before: old ?? null,
      after: now ?? null,
      reason: "a Deployment's selector is immutable (apps/v1): the API server refuses the update",
      fix: `keep the selector (${cause}); to change it anyway, delete the Deployment first (kubectl delete deployment ${deployment.metadata?.name ?? ""}; its pods restart) and ${allow}`,
    },
  ];
}

function serviceFindings(
  environment: string,
  service: KubeObject,
  before: CompiledOverlay,
  after: CompiledOverlay,
  cause: string,
  allow: string,
): UpgradeFinding[] {
  const next = counterpart(after, service);
  if (next === undefined) return [];
  const old = record(record(service)["spec"])["selector"];
  const now = record(record(next)["spec"])["selector"];
  if (isDeepStrictEqual(old, now)) return [];
  // The pods the Service sends traffic to now, by their Deployment; each must still be selected.
  const selectedBefore = selectedDeployments(before, record(old));
  const selectedAfter = new Set(selectedDeployments(after, record(now)));
  const orphaned = selectedBefore.filter((name) => !selectedAfter.has(name));
  if (orphaned.length === 0) return [];
  return [
    {
      environment,
      field: "spec.selector",
      object: id(service),
      objectField: "spec.selector",
      before: old ?? null,
      after: now ?? null,
      reason: `the Service would stop selecting the pods of ${orphaned.map((name) => `Deployment/${name}`).join(", ")}: they keep running without traffic (the API server accepts it; ours)`,
      fix: `keep the selector (${cause}), or ${allow}`,
    },
  ];
}

function namespaceFindings(environment: string, namespace: KubeObject, after: CompiledOverlay, allow: string): UpgradeFinding[] {
  if (counterpart(after, namespace) !== undefined || hasSyncOption(namespace, "Prune=false")) return [];
  return [
    {
      environment,
      field: "createNamespace",
      object: id(namespace),
      objectField: "metadata",
      before: true,
      after: false,
      reason:
        "the Namespace leaves the overlay, and as committed it lacks Argo CD's Prune=false: a pruning sync (or kubectl apply --prune) deletes it, " +
        "and with it the data volume, the database and the Secret made outside the tree",
      fix: `first generate and sync with createNamespace still true (this version marks the Namespace Prune=false,Delete=false), then set createNamespace: false; or, when nothing prunes this namespace, ${allow}`,
    },
  ];
}

/** The Deployments of an overlay whose pod template a selector matches. */
function selectedDeployments(overlay: CompiledOverlay, selector: Record<string, unknown>): string[] {
  const entries = Object.entries(selector);
  if (entries.length === 0) return [];
  return overlay.objects
    .filter((object) => object.kind === "Deployment")
    .filter((deployment) => {
      const labels = record(record(record(record(record(deployment)["spec"])["template"])["metadata"])["labels"]);
      return entries.every(([key, value]) => labels[key] === value);
    })
    .map((deployment) => deployment.metadata?.name ?? "");
}

function counterpart(overlay: Pick<CompiledOverlay, "objects">, object: KubeObject): KubeObject | undefined {
  return overlay.objects.find((candidate) => candidate.kind === object.kind && candidate.metadata?.name === object.metadata?.name);
}

function id(object: KubeObject): string {
  return `${object.kind ?? "?"}/${object.metadata?.name ?? "?"}`;
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
