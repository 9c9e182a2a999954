/**
 * argusai-kustomize: the typed model of ArgusAI's Kubernetes deployment, compiled into a
 * kustomize base and per-environment overlays, verified with the real kustomize.
 */
export { ArgusKustomizeError, ERROR_EXIT_CODES } from "./errors.js";
export type { ErrorCode, ErrorLocation } from "./errors.js";

export { argusBase, baseResources, BASE_CONFIG, DATA_MOUNT_PATH, IMAGE_REPOSITORIES, NAMES, PORTS } from "./model/base.js";
export type { ArgusBase, KubeObject, Modeled } from "./model/base.js";
export { COMPONENTS, componentLabels, selectorLabels } from "./model/labels.js";
export type { Component } from "./model/labels.js";
export { environmentSpecSchema, loadEnvironments, validateEnvironment } from "./model/environment-spec.js";
export type { EnvironmentSource, EnvironmentSpec, FieldPath, ImageVersion, IngressSpec, ResourceSpec, SecretSpec, SpecProblem } from "./model/environment-spec.js";
export { environmentSourceFromText } from "./model/environment-file.js";
export { builtInEnvironments, devEnvironment, prodEnvironment, PROD_IMAGE_VERSION_PLACEHOLDER } from "./model/built-in-environments.js";
export type { ProdOptions } from "./model/built-in-environments.js";
export { compareQuantities, parseQuantity, QUANTITY_PATTERN, quantityProblem, quantityValue, sameQuantity } from "./model/quantity.js";
export type { Quantity, QuantityKind, QuantityParse } from "./model/quantity.js";

export { applyOperations, ContainerPatch, ResourcePatch, targetOf } from "./patch/json6902.js";
export type { Json6902Patch, JsonPatchOperation, PatchTarget } from "./patch/json6902.js";
export { toJsonPointer } from "./patch/path.js";
export type { PathSegment, SettableAt, ValueAt } from "./patch/path.js";

export { compileTree, overlayDir } from "./kustomize/compile.js";
export type { PlannedFile, SeedFile, TreePlan } from "./kustomize/compile.js";
export type { Kustomization } from "./kustomize/kustomization.js";

export { toYaml } from "./write/yaml.js";
export { findDrift, treeContents } from "./write/tree.js";
export type { TreeContents, TreeDrift } from "./write/tree.js";
export { recoverTree, writeTree } from "./write/transaction.js";
export type { TreeWrite, WriteTreeOptions, WriteTreeResult } from "./write/transaction.js";
export { readRecord, RECORD_FILE } from "./tree/record.js";
export type { RecordedEnvironment, TreeRecord } from "./tree/record.js";
export { isSafeRelative, resolveInside } from "./tree/layout.js";

export { findKubectl, findRenderer, findStandaloneKustomize, kubectlRenderer, kustomizeRenderer, parseStream, renderKustomization } from "./render/kustomize.js";
export type { Rendered, Renderer } from "./render/kustomize.js";

export { POLICIES, policyViolations } from "./validate/policies.js";
export type { Policy, PolicyContext, RenderedObject } from "./validate/policies.js";
export { schemaViolations } from "./validate/schema.js";
export { policyContextOf, validateRendered } from "./validate/validate.js";
export { formatViolation } from "./validate/violation.js";
export type { Violation } from "./validate/violation.js";

export { resolveEnvironments } from "./tree/resolve-environments.js";
export type { ResolvedEnvironments, TreeOptions } from "./tree/resolve-environments.js";
export { check, generate, render, validate } from "./pipeline.js";
export type { GenerateResult, OverlayValidation } from "./pipeline.js";
export type { OverlaySummary } from "./render/on-disk.js";
