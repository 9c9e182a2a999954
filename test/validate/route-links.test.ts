/**
 * route-backends: an Ingress or HTTPRoute backend must name a Service of the overlay and a port it
 * has; and references: the Secret the pods read may be made by an ExternalSecret or SealedSecret of
 * the overlay, but only the one it really makes.
 */
import { describe, expect, it } from "vitest";
import { argusBase, baseResources } from "../../src/model/base.js";
import { policyViolations, type PolicyContext, type RenderedObject } from "../../src/validate/policies.js";

type Mutable = Record<string, any>;

const context: PolicyContext = { production: false, externalSecrets: [], externalConfigMaps: ["argusai-config"], externalClaims: [], singleWriters: ["argusai-backend"] };

function overlay(...extra: Mutable[]): RenderedObject[] {
  const objects = baseResources(argusBase()).map((resource) => structuredClone(resource.object) as Mutable);
  for (const object of objects) object["metadata"].namespace = "argusai-t";
  return [...objects, ...extra.map((object) => ({ ...object, metadata: { namespace: "argusai-t", ...object["metadata"] } }))];
}

const httpRoute = (backendRefs: Mutable[]) => ({ apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", metadata: { name: "argusai" }, spec: { parentRefs: [{ name: "gw" }], rules: [{ backendRefs }] } });
const ingress = (service: Mutable) => ({
  apiVersion: "networking.k8s.io/v1",
  kind: "Ingress",
  metadata: { name: "argusai" },
  spec: { rules: [{ host: "a.example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service } }] } }] },
});
const SECRET = { apiVersion: "bitnami.com/v1alpha1", kind: "SealedSecret", metadata: { name: "argusai-secrets" }, spec: { encryptedData: { A: "QUJD" } } };

const found = (objects: RenderedObject[]) => policyViolations(objects, context).map((violation) => `${violation.policy} ${violation.object} ${violation.field}: ${violation.message}`);

describe("route-backends", () => {
  it("accepts routes to the Services and ports of the overlay", () => {
    expect(found(overlay(SECRET, httpRoute([{ name: "argusai-backend", port: 8000 }, { name: "argusai-frontend", port: 3000 }]), ingress({ name: "argusai-frontend", port: { name: "http" } })))).toEqual([]);
    expect(found(overlay(SECRET, ingress({ name: "argusai-backend", port: { number: 8000 } })))).toEqual([]);
  });

  it("names an HTTPRoute backend whose Service or port the overlay lacks", () => {
    expect(found(overlay(SECRET, httpRoute([{ name: "argusai-api", port: 8000 }, { name: "argusai-backend", port: 80 }, { name: "argusai-backend" }])))).toEqual([
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
    expect(found(overlay(SECRET, httpRoute([{ name: "shared", namespace: "other", port: 1 }, { group: "example.com", kind: "Bucket", name: "b" }])))).toEqual([]);
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
    const missing = "references Deployment/argusai-backend spec.template.spec.containers.0.envFrom.1.secretRef.name: uses Secret argusai-secrets, which is neither rendered nor declared external";
    expect(found(overlay(external({ name: "argusai-other" })))).toEqual([missing]);
    expect(found(overlay(external({ name: "argusai-secrets", creationPolicy: "Merge" })))).toEqual([missing]);
    expect(found(overlay({ ...SECRET, metadata: { name: "other" } }))).toEqual([missing]);
  });
});
