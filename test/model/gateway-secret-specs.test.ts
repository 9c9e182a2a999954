/**
 * The spec side of httpRoute and the GitOps secret modes: what is accepted, and each mistake named
 * by its field, with the CRD's rules (patterns, limits, and the parentRefs CEL rules a JSON Schema
 * validator does not run) applied before anything is rendered.
 */
import { describe, expect, it } from "vitest";
import { validateEnvironment } from "../../src/model/environment-spec.js";
import { ARGUSAI_SECRET_VARIABLES } from "../../src/model/secret-modes.js";

const HEAD = { name: "t", namespace: "argusai-t", production: true, images: { backend: { tag: "1.0.0" }, frontend: { tag: "1.0.0" } } };
const EXTERNAL = {
  mode: "externalSecret",
  store: { name: "vault" },
  data: { ENCRYPTION_KEY: { key: "a" }, JWT_SECRET_KEY: { key: "a", property: "jwt" } },
};
const SEALED = { mode: "sealedSecret", encryptedData: { ENCRYPTION_KEY: "QUJD", JWT_SECRET_KEY: "QUJDRA==" } };
const ROUTE = { parentRefs: [{ name: "gw" }], hostnames: ["argusai.example.com"] };

const problems = (spec: object) => validateEnvironment({ ...HEAD, ...spec }).map((problem) => `${problem.field.join(".")}: ${problem.message}`);

describe("secret modes externalSecret and sealedSecret", () => {
  it("are allowed in production, with every optional provider key", () => {
    const all = Object.fromEntries(
      [...ARGUSAI_SECRET_VARIABLES.required, ...ARGUSAI_SECRET_VARIABLES.optional].map((name) => [name, { key: `argusai/${name}` }]),
    );
    expect(problems({ secret: { ...EXTERNAL, store: { name: "vault", kind: "ClusterSecretStore" }, refreshInterval: "15m", data: all } })).toEqual([]);
    expect(problems({ secret: { ...SEALED, scope: "cluster-wide" } })).toEqual([]);
  });

  it("need ENCRYPTION_KEY and JWT_SECRET_KEY", () => {
    expect(problems({ secret: { ...EXTERNAL, data: { ENCRYPTION_KEY: { key: "a" } } } })).toEqual(["secret.data.JWT_SECRET_KEY: is required"]);
    expect(problems({ secret: { ...SEALED, encryptedData: { JWT_SECRET_KEY: "QUJD" } } })).toEqual(["secret.encryptedData.ENCRYPTION_KEY: is required"]);
  });

  it("name a misspelled variable, with a suggestion", () => {
    expect(problems({ secret: { ...EXTERNAL, data: { ...EXTERNAL.data, OPENAI_APIKEY: { key: "a" } } } })).toEqual([
      expect.stringMatching(/^secret\.data\.OPENAI_APIKEY: unknown field \(did you mean OPENAI_API_KEY\?\)$/),
    ]);
  });

  it("refuse a bad store, interval, scope or a value that is not kubeseal's", () => {
    expect(problems({ secret: { ...EXTERNAL, store: { name: "vault", kind: "Vault" } } })).toEqual([
      'secret.store.kind: must be "SecretStore" or "ClusterSecretStore"',
    ]);
    expect(problems({ secret: { ...EXTERNAL, refreshInterval: "hourly" } })).toEqual([
      'secret.refreshInterval: is not a duration like "1h" or "15m" (Go syntax; "0" fetches once)',
    ]);
    expect(problems({ secret: { ...EXTERNAL, data: { ...EXTERNAL.data, JWT_SECRET_KEY: { key: "" } } } })).toEqual([
      "secret.data.JWT_SECRET_KEY.key: must not be empty",
    ]);
    expect(problems({ secret: { ...SEALED, scope: "global" } })).toEqual(['secret.scope: must be "strict", "namespace-wide" or "cluster-wide"']);
    expect(problems({ secret: { ...SEALED, encryptedData: { ...SEALED.encryptedData, JWT_SECRET_KEY: "my plain secret" } } })).toEqual([
      "secret.encryptedData.JWT_SECRET_KEY: is not base64 as kubeseal writes it (a plain value was given?)",
    ]);
  });

  it("an unknown mode lists the four", () => {
    expect(problems({ secret: { mode: "vault" } })).toEqual(['secret.mode: must be "generated", "existing", "externalSecret" or "sealedSecret"']);
  });
});

describe("httpRoute", () => {
  it("takes Gateways by name, namespace and listener, hostnames and timeouts; beside an Ingress too", () => {
    expect(
      problems({
        secret: { mode: "existing" },
        ingress: { host: "argusai.example.com" },
        httpRoute: {
          ...ROUTE,
          parentRefs: [
            { name: "gw", namespace: "gateway-system", sectionName: "https" },
            { name: "gw", namespace: "gateway-system", sectionName: "http" },
          ],
          hostnames: ["argusai.example.com", "*.argusai.example.com"],
          exposeMetrics: true,
          timeouts: { upload: "10m", websocket: "1h" },
          labels: { a: "b" },
          annotations: { "example.com/x": "y" },
        },
      }),
    ).toEqual([]);
  });

  it("mirrors the CRD's CEL rules on parentRefs: one Gateway twice needs distinct sectionNames", () => {
    expect(problems({ secret: { mode: "existing" }, httpRoute: { ...ROUTE, parentRefs: [{ name: "gw" }, { name: "gw", sectionName: "https" }] } })).toEqual([
      "httpRoute.parentRefs.0.sectionName: must be given: the same Gateway is referenced more than once",
    ]);
    expect(
      problems({
        secret: { mode: "existing" },
        httpRoute: {
          ...ROUTE,
          parentRefs: [
            { name: "gw", sectionName: "https" },
            { name: "gw", sectionName: "https" },
          ],
        },
      }),
    ).toEqual([
      "httpRoute.parentRefs.0.sectionName: must be unique among the references to the same Gateway",
      "httpRoute.parentRefs.1.sectionName: must be unique among the references to the same Gateway",
    ]);
    // The same name in another namespace is another Gateway.
    expect(problems({ secret: { mode: "existing" }, httpRoute: { ...ROUTE, parentRefs: [{ name: "gw" }, { name: "gw", namespace: "other" }] } })).toEqual([]);
  });

  it("refuses what the HTTPRoute CRD refuses", () => {
    const route = (changes: object) => problems({ secret: { mode: "existing" }, httpRoute: { ...ROUTE, ...changes } });
    expect(route({ hostnames: ["10.0.0.1"] })).toEqual(["httpRoute.hostnames.0: must be a DNS name, not an IP address (HTTPRoute hostnames take no IPs)"]);
    expect(route({ hostnames: ["Argusai.example.com"] })).toEqual([
      "httpRoute.hostnames.0: is not a hostname (lowercase DNS name, optionally starting with *.)",
    ]);
    expect(route({ hostnames: [] })).toEqual(["httpRoute.hostnames: must hold at least one hostname (a route without one takes every host of its listener)"]);
    expect(route({ parentRefs: [] })).toEqual(["httpRoute.parentRefs: must name at least one Gateway"]);
    expect(route({ timeouts: { websocket: "1 hour" } })).toEqual([
      'httpRoute.timeouts.websocket: is not a Gateway API duration like "300s", "1h" or "0s" ("0s": no timeout)',
    ]);
    expect(route({ parentRefs: [{ name: "gw", namespace: "Gateway_System" }] })).toEqual([
      "httpRoute.parentRefs.0.namespace: is not a namespace name (a DNS-1123 label)",
    ]);
    expect(route({ parentRefs: [{ name: "gw", port: 443 }] })).toEqual([expect.stringMatching(/^httpRoute\.parentRefs\.0\.port: unknown field/)]);
  });
});
