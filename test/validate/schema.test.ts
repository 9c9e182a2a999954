import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { argusBase, baseResources } from "../../src/model/base.js";
import { renderKustomization } from "../../src/render/kustomize.js";
import { schemaViolations } from "../../src/validate/schema.js";
import { toYaml } from "../../src/write/yaml.js";
import { renderer, tempDir } from "../helpers.js";

type Mutable = Record<string, any>;

const backend = () => structuredClone(argusBase().workloads.backend.object) as Mutable;
const brief = async (object: Mutable) => (await schemaViolations(object)).map((violation) => `${violation.policy} ${violation.field}: ${violation.message}`);

describe("schema validation", () => {
  it("finds nothing wrong with any object of the base", async () => {
    for (const resource of baseResources(argusBase())) {
      expect(await schemaViolations(structuredClone(resource.object) as Mutable), resource.file).toEqual([]);
    }
  });

  it("catches a misspelled field that kustomize merged from a strategic-merge patch", async () => {
    const dir = await tempDir();
    await mkdir(path.join(dir, "base"));
    await writeFile(path.join(dir, "base/deployment.yaml"), toYaml([argusBase().workloads.backend.object]));
    await writeFile(
      path.join(dir, "base/kustomization.yaml"),
      toYaml([{ apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", resources: ["deployment.yaml"] }]),
    );
    const smp = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "argusai-backend" },
      spec: { template: { spec: { containers: [{ name: "backend", resource: { limits: { memory: "2Gi" } } }] } } },
    };
    await writeFile(path.join(dir, "smp.yaml"), toYaml([smp]));
    await writeFile(
      path.join(dir, "kustomization.yaml"),
      toYaml([{ apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", resources: ["base"], patches: [{ path: "smp.yaml" }] }]),
    );
    const rendered = await renderKustomization(dir, renderer);
    // kustomize took it without a word...
    expect(rendered.warnings).toEqual([]);
    const merged = rendered.objects[0] as Mutable;
    expect(merged["spec"].template.spec.containers[0].resource).toEqual({ limits: { memory: "2Gi" } });
    // ...the schema check does not.
    expect(await brief(merged)).toEqual([
      "schema-unknown-field spec.template.spec.containers.0.resource: is not a field of the Kubernetes schema (kustomize merges a misspelled field silently; the API server drops or rejects it)",
    ]);
  });

  it("catches an invalid quantity, a wrong type and a value outside an enum", async () => {
    const object = backend();
    object["spec"].template.spec.containers[0].resources.limits.memory = "512MB";
    object["spec"].replicas = "two";
    object["spec"].template.spec.containers[0].imagePullPolicy = "Sometimes";
    expect(await brief(object)).toEqual([
      "schema spec.replicas: must be integer",
      "schema spec.template.spec.containers.0.imagePullPolicy: must be equal to one of the allowed values: Always, IfNotPresent, Never",
      "schema spec.template.spec.containers.0.resources.limits.memory: is not a valid quantity",
    ]);
  });

  it("finds unknown fields at any depth, and accepts any key of a map", async () => {
    const object = backend();
    object["metadata"].labels["any/label"] = "fine";
    object["metadata"].annotaions = { typo: "x" };
    object["spec"].template.spec.securityContext.runAsNonroot = true;
    object["spec"].template.spec.containers[0].ports[0].contianerPort = 8001;
    expect((await schemaViolations(object)).map((violation) => `${violation.policy} ${violation.field}`)).toEqual([
      "schema-unknown-field metadata.annotaions",
      "schema-unknown-field spec.template.spec.securityContext.runAsNonroot",
      "schema-unknown-field spec.template.spec.containers.0.ports.0.contianerPort",
    ]);
  });

  it("reads Secret data as the API server does (kustomize wraps long base64 values)", async () => {
    const long = Buffer.from("x".repeat(100)).toString("base64");
    const wrapped = `${long.slice(0, 76)}\n${long.slice(76)}\n`;
    expect(await brief({ apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, data: { KEY: wrapped } })).toEqual([]);
    expect(await brief({ apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, data: { KEY: "not base64!" } })).toEqual([
      "schema data.KEY: is not a valid byte",
    ]);
  });

  it("reports a kind it has no schema for", async () => {
    expect(await brief({ apiVersion: "external-secrets.io/v1beta1", kind: "ExternalSecret", metadata: { name: "x" } })).toEqual([
      "schema-kind apiVersion: no schema for external-secrets.io/v1beta1 ExternalSecret",
    ]);
  });
});
