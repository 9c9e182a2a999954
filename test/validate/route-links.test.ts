/**
 * route-backends: an Ingress or HTTPRoute backend must name a Service of the overlay and a port it
 * has; and references: the Secret the pods read may be made by an ExternalSecret or SealedSecret of
 * the overlay, but only the one it really makes.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { argusBase, baseResources } from "../../src/model/base.js";
import { policyViolations, type PolicyContext, type RenderedObject } from "../../src/validate/policies.js";
import { runEveryPolicy } from "../helpers.js";

type Mutable = Record<string, any>;

const context: PolicyContext = {
  production: false,
  externalSecrets: [],
  externalConfigMaps: ["argusai-config"],
  externalClaims: [],
  singleWriters: ["argusai-backend"],
};

function overlay(...extra: Mutable[]): RenderedObject[] {
  const objects = baseResources(argusBase()).map((resource) => structuredClone(resource.object) as Mutable);
  for (const object of objects) object["metadata"].namespace = "argusai-t";
  return [...objects, ...extra.map((object) => ({ ...object, metadata: { namespace: "argusai-t", ...object["metadata"] } }))];
}

const httpRoute = (backendRefs: Mutable[]) => ({
  apiVersion: "gateway.networking.k8s.io/v1",
  kind: "HTTPRoute",
  metadata: { name: "argusai" },
  spec: { parentRefs: [{ name: "gw" }], rules: [{ backendRefs }] },
});
const ingress = (service: Mutable) => ({
  apiVersion: "networking.k8s.io/v1",
  kind: "Ingress",
  metadata: { name: "argusai" },
  spec: { rules: [{ host: "a.example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service } }] } }] },
});
const SECRET = { apiVersion: "bitnami.com/v1alpha1", kind: "SealedSecret", metadata: { name: "argusai-secrets" }, spec: { encryptedData: { A: "QUJD" } } };

const found = (objects: RenderedObject[]) =>
  policyViolations(objects, context).map((violation) => `${violation.policy} ${violation.object} ${violation.field}: ${violation.message}`);

describe("route-backends", () => {
  it("accepts routes to the Services and ports of the overlay", () => {
    expect(
      found(
        overlay(
          SECRET,
          httpRoute([
            { name: "argusai-backend", port: 8000 },
            { name: "argusai-frontend", port: 3000 },
          ]),
          ingress({ name: "argusai-frontend", port: { name: "http" } }),
        ),
      ),
    ).toEqual([]);
    expect(found(overlay(SECRET, ingress({ name: "argusai-backend", port: { number: 8000 } })))).toEqual([]);
  });

  it("names an HTTPRoute backend whose Service or port the overlay lacks", () => {
    expect(
      found(overlay(SECRET, httpRoute([{ name: "argusai-api", port: 8000 }, { name: "argusai-backend", port: 80 }, { name: "argusai-backend" }]))),
    ).toEqual([
      "route-backends HTTPRoute/argusai spec.rules.0.backendRefs.0.name: names Service argusai-api, which the overlay does not render",
      "route-backends HTTPRoute/argusai spec.rules.0.backendRefs.1.port: port 80 is not a port of Service argusai-backend (http, 8000)",
      "route-backends HTTPRoute/argusai spec.rules.0.backendRefs.2.port: port (no port) is not a port of Service argusai-backend (http, 8000)",
    ]);
  });

  it("names an Ingress backend whose Service or port name the overlay lacks", () => {
    expect(found(overlay(SECRET, ingress({ name: "argusai-frontend", port: { name: "web" } })))).toEqual([
      "route-backends Ingress/argusai spec.rules.0.http.paths.0.backend.service.port: port web is not a port of Service argusai-frontend (http, 3000)",
    ]);
  });

  it("leaves backends in another namespace or of another kind to the cluster", () => {
    expect(
      found(
        overlay(
          SECRET,
          httpRoute([
            { name: "shared", namespace: "other", port: 1 },
            { group: "example.com", kind: "Bucket", name: "b" },
          ]),
        ),
      ),
    ).toEqual([]);
  });
});

describe("references, with the Secret made in the overlay", () => {
  const external = (target: Mutable) => ({
    apiVersion: "external-secrets.io/v1",
    kind: "ExternalSecret",
    metadata: { name: "argusai-secrets" },
    spec: { secretStoreRef: { name: "vault" }, target, data: [] },
  });

  it("is met by an ExternalSecret whose target is the Secret the pods read, or a SealedSecret of that name", () => {
    expect(found(overlay(external({ name: "argusai-secrets" })))).toEqual([]);
    expect(found(overlay(SECRET))).toEqual([]);
  });

  it("is not met by one that makes another Secret, or merges into one that must already exist", () => {
    const missing =
      "references Deployment/argusai-backend spec.template.spec.containers.0.envFrom.1.secretRef.name: uses Secret argusai-secrets, which is neither rendered nor declared external";
    expect(found(overlay(external({ name: "argusai-other" })))).toEqual([missing]);
    expect(found(overlay(external({ name: "argusai-secrets", creationPolicy: "Merge" })))).toEqual([missing]);
    expect(found(overlay({ ...SECRET, metadata: { name: "other" } }))).toEqual([missing]);
  });
});

describe("odd input (a hand edit or an escape-hatch patch): a violation where a missing part matters, never a throw", () => {
  const service = (ports: unknown) => ({
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "argusai-backend" },
    spec: { selector: { app: "argusai", component: "backend" }, ports },
  });
  /** The overlay with the backend Service replaced. */
  const withBackendService = (replacement: Mutable, ...extra: Mutable[]) =>
    overlay(...extra).map((object) =>
      object["kind"] === "Service" && (object["metadata"] as Mutable)["name"] === "argusai-backend"
        ? { ...replacement, metadata: { ...replacement["metadata"], namespace: "argusai-t" } }
        : object,
    );
  const routes = (objects: RenderedObject[]) => found(objects).filter((line) => line.startsWith("route-backends"));

  it("a Service port that is null or of the wrong types offers nothing to route to", () => {
    expect(routes(withBackendService(service([null, { name: 5, port: "8000" }]), SECRET, httpRoute([{ name: "argusai-backend", port: 8000 }])))).toEqual([
      "route-backends HTTPRoute/argusai spec.rules.0.backendRefs.0.port: port 8000 is not a port of Service argusai-backend (it has none)",
    ]);
    // The remaining good port still counts.
    expect(routes(withBackendService(service([null, { name: "http", port: 8000 }]), SECRET, httpRoute([{ name: "argusai-backend", port: 8000 }])))).toEqual([]);
  });

  it("rules and backends that are not mappings are skipped (the schema reports them); a name that is not a string is none", () => {
    const route = httpRoute([]);
    route.spec.rules = [null, { backendRefs: [null, { name: { toString: 1 }, port: 8000 }, { name: "argusai-backend", port: "8000" }] }] as never;
    expect(routes(overlay(SECRET, route))).toEqual([
      "route-backends HTTPRoute/argusai spec.rules.1.backendRefs.1.name: names Service (none), which the overlay does not render",
      "route-backends HTTPRoute/argusai spec.rules.1.backendRefs.2.port: port (no port) is not a port of Service argusai-backend (http, 8000)",
    ]);
  });

  it("an Ingress backend whose port is not a mapping has no port; metadata that is a list gives the object no name", () => {
    const odd = { ...ingress({ name: "argusai-frontend", port: "http" }), metadata: [] };
    expect(routes([...overlay(SECRET), odd as RenderedObject])).toEqual([
      "route-backends Ingress/ spec.rules.0.http.paths.0.backend.service.port: port (no port) is not a port of Service argusai-frontend (http, 3000)",
    ]);
  });

  it("an ExternalSecret or SealedSecret whose parts are odd makes no Secret it cannot name", () => {
    const missing =
      "references Deployment/argusai-backend spec.template.spec.containers.0.envFrom.1.secretRef.name: uses Secret argusai-secrets, which is neither rendered nor declared external";
    const external = { apiVersion: "external-secrets.io/v1", kind: "ExternalSecret", metadata: [], spec: { target: [] } };
    expect(found([...overlay(), external as RenderedObject])).toEqual([missing]);
    expect(found([...overlay(), { ...SECRET, metadata: { name: { toString: 1 } } } as RenderedObject])).toEqual([missing]);
    // An apiVersion or kind that is no string (and whose own toString is no function) names no kind.
    expect(found([...overlay(), { ...SECRET, apiVersion: { toString: 1 } } as RenderedObject, { ...SECRET, kind: { toString: 1 } } as RenderedObject])).toEqual(
      [missing],
    );
    // A target that is not a mapping leaves the operator's default: the ExternalSecret's own name.
    expect(found([...overlay(), { ...external, metadata: { name: "argusai-secrets" } } as RenderedObject])).toEqual([]);
  });

  const FIELDS = [
    "spec",
    "metadata",
    "name",
    "namespace",
    "ports",
    "port",
    "number",
    "rules",
    "http",
    "paths",
    "backend",
    "service",
    "defaultBackend",
    "backendRefs",
    "group",
    "kind",
    "target",
    "creationPolicy",
    "toString",
  ];
  const { tree } = fc.letrec((tie) => ({
    tree: fc.oneof({ depthSize: "small", withCrossShrink: true }, fc.jsonValue({ maxDepth: 1 }), tie("node"), fc.array(tie("tree"), { maxLength: 3 })),
    node: fc.dictionary(fc.constantFrom(...FIELDS), tie("tree"), { maxKeys: 5 }),
  }));
  const KINDS = [
    ["v1", "Service"],
    ["networking.k8s.io/v1", "Ingress"],
    ["gateway.networking.k8s.io/v1", "HTTPRoute"],
    ["external-secrets.io/v1", "ExternalSecret"],
    ["bitnami.com/v1alpha1", "SealedSecret"],
  ] as const;
  // Mostly the kinds these checks read; sometimes an apiVersion and kind that are anything at all.
  const kinds = fc.oneof({ weight: 4, arbitrary: fc.constantFrom<readonly [unknown, unknown]>(...KINDS) }, { weight: 1, arbitrary: fc.tuple(tree, tree) });
  const object = fc.tuple(kinds, tree, tree).map(([[apiVersion, kind], metadata, spec]) => ({ apiVersion, kind, metadata, spec }));

  it("never throws on Services, routes and secret makers built from their field names with arbitrary values", () => {
    fc.assert(
      fc.property(fc.array(object, { maxLength: 5 }), (objects) => {
        // One overlay for all policies: none may change what it reads.
        runEveryPolicy([...overlay(), ...(objects as RenderedObject[])], context);
      }),
      { numRuns: 1500, seed: Number(process.env["FUZZ_SEED"] ?? 20261214) },
    );
  });
});
