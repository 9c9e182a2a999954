/**
 * Compile-time promises of the typed patches, checked by `tsc --noEmit` in `npm test`. Each
 * `@ts-expect-error` line must fail to compile: if one starts compiling, tsc reports the unused
 * directive and the test run fails (a broken promise).
 */
import { argusBase } from "../../src/model/base.js";
import { ResourcePatch } from "../../src/patch/json6902.js";
import type { EnvironmentSpec } from "../../src/model/environment-spec.js";

const base = argusBase();

// Well-typed patches compile.
ResourcePatch.of(base.workloads.backend).set(["spec", "replicas"], 2);
ResourcePatch.of(base.workloads.backend).set(["spec", "template", "spec", "securityContext", "runAsUser"], 1002);
ResourcePatch.of(base.workloads.backend).container("backend", (c) => c.set(["resources", "limits", "memory"], "2Gi"));
ResourcePatch.of(base.data).set(["spec", "storageClassName"], "fast");
ResourcePatch.of(base.workloads.frontend).container("frontend", (c) => c.set(["ports", 0, "containerPort"], 3001));
ResourcePatch.of(base.workloads.backend).remove(["spec", "strategy"]);

// A misspelled field does not compile.
// @ts-expect-error "replica" is not a field of DeploymentSpec
ResourcePatch.of(base.workloads.backend).set(["spec", "replica"], 2);
// @ts-expect-error "resource" is not a field of Container
ResourcePatch.of(base.workloads.backend).container("backend", (c) => c.set(["resource", "limits", "memory"], "2Gi"));
// @ts-expect-error "storageClass" is not a field of PersistentVolumeClaimSpec
ResourcePatch.of(base.data).set(["spec", "storageClass"], "fast");
// @ts-expect-error a misspelled path cannot be removed either
ResourcePatch.of(base.workloads.backend).remove(["spec", "stratgy"]);

// A wrong value type does not compile.
// @ts-expect-error replicas is a number
ResourcePatch.of(base.workloads.backend).set(["spec", "replicas"], "2");
// @ts-expect-error runAsNonRoot is a boolean
ResourcePatch.of(base.workloads.backend).set(["spec", "template", "spec", "securityContext", "runAsNonRoot"], "true");
// @ts-expect-error containerPort is a number
ResourcePatch.of(base.workloads.frontend).container("frontend", (c) => c.set(["ports", 0, "containerPort"], "3001"));
// @ts-expect-error an array is indexed by number, not by name
ResourcePatch.of(base.workloads.frontend).container("frontend", (c) => c.set(["ports", "http", "containerPort"], 3001));
// @ts-expect-error nothing below a scalar
ResourcePatch.of(base.workloads.backend).set(["spec", "replicas", "toFixed"], 2);

// A container name that is not in the model does not compile.
// @ts-expect-error the backend Deployment has no container "frontend"
ResourcePatch.of(base.workloads.backend).container("frontend", () => {});
// @ts-expect-error the PVC has no containers at all
ResourcePatch.of(base.data).container("backend", () => {});

// Environment specs are typed too.
// @ts-expect-error "replica" is not a field of EnvironmentSpec
const typo: EnvironmentSpec = { name: "x", namespace: "x", secret: { mode: "existing" }, replica: { backend: 1 } };
// @ts-expect-error a secret mode that does not exist
const badSecret: EnvironmentSpec = { name: "x", namespace: "x", secret: { mode: "literal" } };
// @ts-expect-error replicas are numbers
const badReplicas: EnvironmentSpec = { name: "x", namespace: "x", secret: { mode: "existing" }, replicas: { backend: "1" } };
void [typo, badSecret, badReplicas];
