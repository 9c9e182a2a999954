/**
 * api-required-fields: the fields the API server requires (where the OpenAPI schema is silent),
 * each removed one at a time from a real overlay (examples/production.yaml rendered by the real
 * kustomize: every kind the tool renders but the HTTPRoute, which its CRD schema judges), and
 * reported at that field. End to end: an escape-hatch patch removing a PVC's spec is refused by
 * the CLI's generate with exit 1, nothing written.
 */
import { readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { generate, render } from "../../src/index.js";
import { policyViolations, type RenderedObject } from "../../src/validate/policies.js";
import { validateRendered } from "../../src/validate/validate.js";
import { PRODUCTION_POLICY_CONTEXT, renderer, runCli, STAGING_HEAD, tempDir } from "../helpers.js";

type Mutable = Record<string, any>;

let rendered: Mutable[];

beforeAll(async () => {
  const dir = await tempDir();
  await generate({ dir, renderer, envFiles: [path.resolve("examples/production.yaml")] });
  rendered = (await render("production-eu", { dir, renderer })).objects as Mutable[];
});

const REQUIRED = "api-required-fields";
const of = (objects: Mutable[]) =>
  policyViolations(objects as RenderedObject[], PRODUCTION_POLICY_CONTEXT)
    .filter((violation) => violation.policy === REQUIRED)
    .map((violation) => `${violation.object} ${violation.field}`);

/** Removes the value at a dotted path (numbers index lists); fails the test when the path is not there. */
function removeAt(object: Mutable, dotted: string): void {
  const keys = dotted.split(".");
  const parent = keys.slice(0, -1).reduce<any>((value, key) => value?.[key], object);
  const last = keys.at(-1)!;
  expect(parent?.[last], `${dotted} is in the rendered object`).not.toBeUndefined();
  if (Array.isArray(parent)) parent.splice(Number(last), 1);
  else delete parent[last];
}

/** [kind, name, field removed, field reported] — upstream: the validation function each mirrors. */
const TABLE: Array<[string, string, string, string]> = [
  // ValidatePersistentVolumeClaimSpec
  ["PersistentVolumeClaim", "argusai-data", "spec", "spec.accessModes"],
  ["PersistentVolumeClaim", "argusai-data", "spec.accessModes", "spec.accessModes"],
  ["PersistentVolumeClaim", "argusai-data", "spec.accessModes.0", "spec.accessModes"],
  ["PersistentVolumeClaim", "argusai-data", "spec.resources", "spec.resources.requests.storage"],
  ["PersistentVolumeClaim", "argusai-data", "spec.resources.requests.storage", "spec.resources.requests.storage"],
  // ValidateService
  ["Service", "argusai-backend", "spec", "spec.ports"],
  ["Service", "argusai-backend", "spec.ports", "spec.ports"],
  ["Service", "argusai-frontend", "spec.ports.0.port", "spec.ports.0.port"],
  // validateContainerPorts
  ["Deployment", "argusai-backend", "spec.template.spec.containers.0.ports.0.containerPort", "spec.template.spec.containers.0.ports.0.containerPort"],
  // ValidateIngressSpec, validateIngressBackend
  ["Ingress", "argusai", "spec.rules", "spec.rules"],
  ["Ingress", "argusai", "spec.rules.0.http.paths", "spec.rules.0.http.paths"],
  ["Ingress", "argusai", "spec.rules.0.http.paths.0.pathType", "spec.rules.0.http.paths.0.pathType"],
  ["Ingress", "argusai", "spec.rules.0.http.paths.0.path", "spec.rules.0.http.paths.0.path"],
  ["Ingress", "argusai", "spec.rules.0.http.paths.0.backend.service", "spec.rules.0.http.paths.0.backend"],
  ["Ingress", "argusai", "spec.rules.0.http.paths.0.backend.service.name", "spec.rules.0.http.paths.0.backend.service.name"],
  ["Ingress", "argusai", "spec.rules.0.http.paths.0.backend.service.port", "spec.rules.0.http.paths.0.backend.service.port"],
  // validateHorizontalPodAutoscalerSpec, ValidateCrossVersionObjectReference
  ["HorizontalPodAutoscaler", "argusai-frontend", "spec.scaleTargetRef", "spec.scaleTargetRef.kind"],
  ["HorizontalPodAutoscaler", "argusai-frontend", "spec.scaleTargetRef.name", "spec.scaleTargetRef.name"],
  ["HorizontalPodAutoscaler", "argusai-frontend", "spec.maxReplicas", "spec.maxReplicas"],
  // Ours: a budget without a selector protects nothing; a NetworkPolicy without one applies to every pod.
  ["PodDisruptionBudget", "argusai-frontend", "spec.selector", "spec.selector"],
  ["NetworkPolicy", "argusai-backend", "spec.podSelector", "spec.podSelector"],
];

describe("api-required-fields", () => {
  it("the rendered production overlay has every kind of the table and no violation at all", async () => {
    const kinds = new Set(rendered.map((object) => object["kind"]));
    for (const [kind] of TABLE) expect(kinds).toContain(kind);
    expect(await validateRendered(rendered as RenderedObject[], PRODUCTION_POLICY_CONTEXT)).toEqual([]);
  });

  it.each(TABLE)("%s/%s without %s: reported at %s", (kind, name, removed, field) => {
    const objects = structuredClone(rendered);
    const target = objects.find((object) => object["kind"] === kind && object["metadata"].name === name)!;
    expect(target, `${kind}/${name} is rendered`).toBeDefined();
    removeAt(target, removed);
    expect(of(objects)).toContain(`${kind}/${name} ${field}`);
  });

  it("the values the API server refuses, not only their absence", () => {
    const objects = structuredClone(rendered);
    const find = (kind: string, name: string) => objects.find((object) => object["kind"] === kind && object["metadata"].name === name)!;
    find("PersistentVolumeClaim", "argusai-data").spec.resources.requests.storage = "0";
    find("PersistentVolumeClaim", "argusai-data").spec.accessModes = ["ReadWriteAlways"];
    find("HorizontalPodAutoscaler", "argusai-frontend").spec.maxReplicas = 1;
    find("Ingress", "argusai").spec.rules[0].http.paths[0].backend.service.port = { name: "http", number: 80 };
    find("Service", "argusai-backend").spec.ports[0].port = 70_000;
    expect(
      policyViolations(objects as RenderedObject[], PRODUCTION_POLICY_CONTEXT)
        .filter((violation) => violation.policy === REQUIRED)
        .map((violation) => `${violation.object} ${violation.field}: ${violation.message}`),
    ).toEqual([
      "Service/argusai-backend spec.ports.0.port: 70000 is not a port number: between 1 and 65535",
      "PersistentVolumeClaim/argusai-data spec.accessModes.0: ReadWriteAlways is not one of ReadWriteOnce, ReadOnlyMany, ReadWriteMany, ReadWriteOncePod",
      "PersistentVolumeClaim/argusai-data spec.resources.requests.storage: 0 must be greater than zero",
      "HorizontalPodAutoscaler/argusai-frontend spec.maxReplicas: 1 must be at least minReplicas (2)",
      "Ingress/argusai spec.rules.0.http.paths.0.backend.service.port: sets both a name and a number",
    ]);
  });

  it("a headless or ExternalName Service needs no ports (as ValidateService allows)", () => {
    const objects = structuredClone(rendered);
    const backend = objects.find((object) => object["kind"] === "Service" && object["metadata"].name === "argusai-backend")!;
    delete backend["spec"].ports;
    backend["spec"].clusterIP = "None";
    expect(of(objects)).toEqual([]);
    backend["spec"] = { type: "ExternalName", externalName: "backend.example.com" };
    expect(of(objects)).toEqual([]);
  });

  it("generate (the CLI) with a patch that removes the PVC's spec: VALIDATION_FAILED, exit 1, at the field, nothing written", async () => {
    const dir = await tempDir();
    const envFile = path.join(await tempDir(), "staging.yaml");
    await writeFile(
      envFile,
      `${STAGING_HEAD}patches:\n  - target: { kind: PersistentVolumeClaim, name: argusai-data }\n    operations: [{ op: remove, path: /spec }]\n`,
    );
    const result = await runCli(["generate", "--dir", dir, "--env-file", envFile]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("VALIDATION_FAILED");
    expect(result.stderr).toContain("[api-required-fields] PersistentVolumeClaim/argusai-data spec.accessModes:");
    expect(result.stderr).toContain("[api-required-fields] PersistentVolumeClaim/argusai-data spec.resources.requests.storage:");
    expect(await readdir(dir)).toEqual([]);
  });
});
