/**
 * HTTPRoute, ExternalSecret and SealedSecret, as the real renderers write them: the example
 * environment files (examples/gateway.yaml, examples/sealed-migration.yaml) and environments with
 * the other option values, rendered by the reference kubectl kustomize and by kustomize 5.8.1 (what
 * Argo CD 3.3.6+ runs), asserted field by field on both, checked against their CRDs' schemas, and
 * linked: the routes reach Services and ports of the overlay and serve the Ingress' paths, and the
 * Secret the ExternalSecret or SealedSecret makes is the one the pods read.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ARGUSAI_COMPONENTS, ARGUSAI_SERVED_PATHS } from "../../src/model/components.js";
import type { EnvironmentSpec } from "../../src/model/environment-spec.js";
import { generate, validate } from "../../src/index.js";
import { kustomizeRenderer, renderKustomization, type Renderer } from "../../src/render/kustomize.js";
import { schemaViolations } from "../../src/validate/schema.js";
import { failureOf, findObject, renderer, tempDir, type KObject } from "../helpers.js";

const REQUIRE_ALL = ["CI", "ARGUSAI_CI", "ARGUSAI_REQUIRE_ALL_RENDERERS"].some((name) => Boolean(process.env[name]));
const RENDERERS_DIR = process.env["ARGUSAI_RENDERERS_DIR"] ?? path.resolve(".cache/renderers");

/** kustomize 5.8.1 from scripts/fetch-renderers.sh (Debian sid), if fetched. */
function kustomize581(): Renderer | undefined {
  const manifest = path.join(RENDERERS_DIR, "renderers.json");
  if (!existsSync(manifest)) return undefined;
  const entries = JSON.parse(readFileSync(manifest, "utf8")) as Array<{ package: string; version: string; suite: string; binary: string }>;
  const entry = entries.find((candidate) => candidate.package === "kustomize" && candidate.suite === "sid" && candidate.version.startsWith("5.8.1"));
  if (entry === undefined) return undefined;
  // The manifest may come from another checkout: the unpacked package beside it is the same file.
  const beside = path.join(RENDERERS_DIR, `kustomize-${entry.version}`, "usr/bin/kustomize");
  const binary = existsSync(beside) ? beside : entry.binary;
  return existsSync(binary) ? kustomizeRenderer(binary) : undefined;
}

const K581 = kustomize581();
const RENDERERS: Array<[string, Renderer | undefined]> = [
  [`reference (${renderer.label})`, renderer],
  ["kustomize 5.8.1", K581],
];

/** Environments for the option values the example files do not use. */
const MORE: EnvironmentSpec[] = [
  {
    name: "gw-defaults",
    namespace: "argusai-gw-defaults",
    secret: {
      mode: "externalSecret",
      store: { name: "aws" },
      data: { ENCRYPTION_KEY: { key: "prod/enc" }, JWT_SECRET_KEY: { key: "prod/jwt", version: "AWSCURRENT" } },
    },
    httpRoute: { parentRefs: [{ name: "gw" }], hostnames: ["*.argusai.example.com"], exposeMetrics: true, annotations: { "example.com/owner": "vision" } },
  },
  {
    name: "sealed-wide",
    namespace: "argusai-sealed-wide",
    secret: { mode: "sealedSecret", scope: "namespace-wide", encryptedData: { ENCRYPTION_KEY: "QUJD", JWT_SECRET_KEY: "REVG", MQTT_PASSWORD: "R0hJ" } },
  },
];

let dir: string;
/** rendered[renderer name][environment] */
const rendered = new Map<string, Map<string, KObject[]>>();

beforeAll(async () => {
  dir = await tempDir();
  await generate({ dir, renderer, environments: MORE, envFiles: [path.resolve("examples/gateway.yaml"), path.resolve("examples/sealed-migration.yaml")] });
  for (const [name, each] of RENDERERS) {
    if (each === undefined) continue;
    const byEnvironment = new Map<string, KObject[]>();
    for (const environment of ["gateway", "sealed-migration", "gw-defaults", "sealed-wide"]) {
      const result = await renderKustomization(path.join(dir, "overlays", environment), each);
      expect(result.warnings).toEqual([]);
      byEnvironment.set(environment, result.objects as KObject[]);
    }
    rendered.set(name, byEnvironment);
  }
}, 60_000);

const LABELS = (environment: string) => ({ app: "argusai", "app.kubernetes.io/name": "argusai", "app.kubernetes.io/part-of": "argusai", environment });
const rule = (paths: string[], service: string, port: number, timeout?: string) => ({
  backendRefs: [{ name: service, port }],
  matches: paths.map((value) => ({ path: { type: "PathPrefix", value } })),
  ...(timeout !== undefined ? { timeouts: { request: timeout } } : {}),
});

describe.each(RENDERERS)("rendered by %s", (name, each) => {
  const missing = each === undefined;
  if (missing && REQUIRE_ALL) {
    it("is installed", () => expect.fail(`kustomize 5.8.1 is required in CI: run scripts/fetch-renderers.sh`));
    return;
  }
  const objects = (environment: string) => rendered.get(name)!.get(environment)!;
  const skip = missing ? " (skipped: kustomize 5.8.1 not fetched; run scripts/fetch-renderers.sh)" : "";

  it.skipIf(missing)(`examples/gateway.yaml: an HTTPRoute on the Gateway's listener, with the application's routes and timeouts${skip}`, () => {
    const route = findObject(objects("gateway"), "HTTPRoute", "argusai");
    expect(route["apiVersion"]).toBe("gateway.networking.k8s.io/v1");
    expect(route["metadata"]).toEqual({ name: "argusai", namespace: "argusai-gateway", labels: { ...LABELS("gateway"), team: "vision" } });
    expect(route["spec"]).toEqual({
      parentRefs: [{ name: "shared-gateway", namespace: "gateway-system", sectionName: "https" }],
      hostnames: ["argusai.example.com"],
      rules: [
        rule(["/health", "/docs", "/openapi.json"], "argusai-backend", 8000),
        rule(["/api"], "argusai-backend", 8000, "600s"),
        rule(["/ws"], "argusai-backend", 8000, "0s"),
        rule(["/"], "argusai-frontend", 3000),
      ],
    });
    expect(objects("gateway").filter((object) => object["kind"] === "Ingress")).toEqual([]);
  });

  it.skipIf(missing)(`examples/gateway.yaml: an ExternalSecret filling argusai-secrets from the ClusterSecretStore, key by key${skip}`, () => {
    const external = findObject(objects("gateway"), "ExternalSecret", "argusai-secrets");
    expect(external["apiVersion"]).toBe("external-secrets.io/v1");
    expect(external["metadata"]).toEqual({ name: "argusai-secrets", namespace: "argusai-gateway", labels: LABELS("gateway") });
    expect(external["spec"]).toEqual({
      refreshInterval: "1h",
      secretStoreRef: { name: "vault-backend", kind: "ClusterSecretStore" },
      target: { name: "argusai-secrets", creationPolicy: "Owner", deletionPolicy: "Retain" },
      data: [
        { secretKey: "ENCRYPTION_KEY", remoteRef: { key: "argusai/production", property: "encryption_key" } },
        { secretKey: "JWT_SECRET_KEY", remoteRef: { key: "argusai/production", property: "jwt_secret_key" } },
        { secretKey: "OPENAI_API_KEY", remoteRef: { key: "argusai/providers", property: "openai" } },
      ],
    });
    // No Secret with values in the tree: the operator makes it.
    expect(objects("gateway").filter((object) => object["kind"] === "Secret")).toEqual([]);
  });

  it.skipIf(missing)(`examples/sealed-migration.yaml: the Ingress and the HTTPRoute serve the same host and paths, and a strict SealedSecret${skip}`, () => {
    const ingress = findObject(objects("sealed-migration"), "Ingress", "argusai");
    const route = findObject(objects("sealed-migration"), "HTTPRoute", "argusai");
    expect(route["spec"].hostnames).toEqual([ingress["spec"].rules[0].host]);
    expect(route["spec"].parentRefs).toEqual([
      { name: "eg", namespace: "envoy-gateway-system", sectionName: "https" },
      { name: "eg", namespace: "envoy-gateway-system", sectionName: "http" },
    ]);
    const routePaths = route["spec"].rules.flatMap((each: KObject) =>
      each["matches"].map((match: KObject) => `${match["path"].value} ${each["backendRefs"][0].name}`),
    );
    const ingressPaths = ingress["spec"].rules[0].http.paths.map((each: KObject) => `${each["path"]} ${each["backend"].service.name}`);
    expect([...routePaths].sort()).toEqual([...ingressPaths].sort());
    expect(route["spec"].rules.map((each: KObject) => each["timeouts"]?.request)).toEqual([undefined, "300s", "0s", undefined]);
    const sealed = findObject(objects("sealed-migration"), "SealedSecret", "argusai-secrets");
    expect(sealed["apiVersion"]).toBe("bitnami.com/v1alpha1");
    // strict scope: no scope annotation anywhere (sealed-secrets' default).
    expect(sealed["metadata"]).toEqual({ name: "argusai-secrets", namespace: "argusai-sealed", labels: LABELS("sealed-migration") });
    expect(Object.keys(sealed["spec"].encryptedData)).toEqual(["ENCRYPTION_KEY", "JWT_SECRET_KEY"]);
    expect(sealed["spec"].encryptedData.JWT_SECRET_KEY).toMatch(/^AgCtr8/);
    // Both the ingress controller and the Gateway's proxies may reach each component while both routes are live.
    for (const component of ["backend", "frontend"]) {
      const from = findObject(objects("sealed-migration"), "NetworkPolicy", `argusai-${component}`)["spec"].ingress[0].from;
      expect(from.filter((peer: KObject) => peer["namespaceSelector"] !== undefined)).toEqual([
        { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } } },
        { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "envoy-gateway-system" } } },
      ]);
    }
    expect(sealed["spec"].template).toEqual({
      metadata: { name: "argusai-secrets", labels: { app: "argusai", "app.kubernetes.io/name": "argusai", "app.kubernetes.io/part-of": "argusai" } },
      type: "Opaque",
    });
  });

  it.skipIf(missing)(
    `defaults: a SecretStore refreshed hourly, Gateway in the route's namespace, /metrics when asked; namespace-wide sealing annotated twice${skip}`,
    () => {
      const external = findObject(objects("gw-defaults"), "ExternalSecret", "argusai-secrets");
      expect(external["spec"].secretStoreRef).toEqual({ name: "aws", kind: "SecretStore" });
      expect(external["spec"].refreshInterval).toBe("1h");
      expect(external["spec"].data[1]).toEqual({ secretKey: "JWT_SECRET_KEY", remoteRef: { key: "prod/jwt", version: "AWSCURRENT" } });
      const route = findObject(objects("gw-defaults"), "HTTPRoute", "argusai");
      expect(route["metadata"].annotations).toEqual({ "example.com/owner": "vision" });
      expect(route["spec"].parentRefs).toEqual([{ name: "gw" }]);
      expect(route["spec"].hostnames).toEqual(["*.argusai.example.com"]);
      expect(route["spec"].rules[0]).toEqual(rule(["/health", "/docs", "/openapi.json", "/metrics"], "argusai-backend", 8000));
      expect(route["spec"].rules[1].timeouts).toEqual({ request: "300s" });
      const sealed = findObject(objects("sealed-wide"), "SealedSecret", "argusai-secrets");
      expect(sealed["metadata"].annotations).toEqual({ "sealedsecrets.bitnami.com/namespace-wide": "true" });
      expect(sealed["spec"].template.metadata.annotations).toEqual({ "sealedsecrets.bitnami.com/namespace-wide": "true" });
      expect(sealed["spec"].encryptedData).toEqual({ ENCRYPTION_KEY: "QUJD", JWT_SECRET_KEY: "REVG", MQTT_PASSWORD: "R0hJ" });
      expect(objects("sealed-wide").filter((object) => object["kind"] === "HTTPRoute" || object["kind"] === "Ingress")).toEqual([]);
    },
  );

  it.skipIf(missing)(`every HTTPRoute, ExternalSecret and SealedSecret passes its CRD's schema${skip}`, async () => {
    const custom = [...rendered.get(name)!.values()].flat().filter((object) => ["HTTPRoute", "ExternalSecret", "SealedSecret"].includes(object["kind"]));
    expect(custom.map((object) => object["kind"]).sort()).toEqual([
      "ExternalSecret",
      "ExternalSecret",
      "HTTPRoute",
      "HTTPRoute",
      "HTTPRoute",
      "SealedSecret",
      "SealedSecret",
    ]);
    for (const object of custom) expect(await schemaViolations(object)).toEqual([]);
  });

  it.skipIf(missing)(
    `links: routes reach a Service port of the overlay and serve only paths the backend or frontend serves; the Secret made is the Secret read${skip}`,
    () => {
      for (const environment of ["gateway", "sealed-migration", "gw-defaults"]) {
        const all = objects(environment);
        const route = findObject(all, "HTTPRoute", "argusai");
        for (const each of route["spec"].rules) {
          const ref = each["backendRefs"][0];
          const service = findObject(all, "Service", ref.name);
          expect(service["spec"].ports.map((port: KObject) => port["port"])).toContain(ref.port);
          const component = ARGUSAI_COMPONENTS.find((candidate) => candidate.deploymentName === ref.name)!;
          for (const match of each["matches"]) expect(ARGUSAI_SERVED_PATHS[component.name]).toContain(match["path"].value);
        }
      }
      for (const [environment, kind] of [
        ["gateway", "ExternalSecret"],
        ["sealed-migration", "SealedSecret"],
        ["gw-defaults", "ExternalSecret"],
        ["sealed-wide", "SealedSecret"],
      ] as const) {
        const all = objects(environment);
        const made = findObject(all, kind, "argusai-secrets");
        const secretName = kind === "ExternalSecret" ? made["spec"].target.name : made["metadata"].name;
        const backend = findObject(all, "Deployment", "argusai-backend")["spec"].template.spec.containers[0];
        expect(backend.envFrom).toContainEqual({ secretRef: { name: secretName } });
      }
    },
  );
});

describe("validation of the rendered overlays", () => {
  it("passes the schema and every policy (production: no Secret values, references met by the ExternalSecret or SealedSecret)", async () => {
    const results = await validate(["gateway", "sealed-migration", "gw-defaults", "sealed-wide"], { dir, renderer });
    expect(results.map((result) => [result.environment, result.violations])).toEqual([
      ["gateway", []],
      ["sealed-migration", []],
      ["gw-defaults", []],
      ["sealed-wide", []],
    ]);
  });

  it("refuses an HTTPRoute whose Service port a patch moved (route-backends), writing nothing", async () => {
    const broken = await tempDir();
    const error = await failureOf(
      generate({
        dir: broken,
        renderer,
        environments: [
          {
            name: "moved",
            namespace: "argusai-moved",
            secret: { mode: "existing" },
            httpRoute: { parentRefs: [{ name: "gw" }], hostnames: ["argusai.example.com"] },
            patches: [{ target: { kind: "Service", name: "argusai-frontend" }, operations: [{ op: "replace", path: "/spec/ports/0/port", value: 80 }] }],
          },
        ],
      }),
    );
    expect(error.code).toBe("VALIDATION_FAILED");
    expect(error.message).toContain(
      "[route-backends] HTTPRoute/argusai spec.rules.3.backendRefs.0.port: port 3000 is not a port of Service argusai-frontend (http, 80)",
    );
    expect(existsSync(path.join(broken, "overlays"))).toBe(false);
  });
});
