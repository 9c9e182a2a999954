/**
 * argusai-kustomize: the typed model of ArgusAI's Kubernetes deployment, compiled into a
 * kustomize base and per-environment overlays, verified with the real kustomize.
 *
 * This is the whole public API: what a script needs to define environments, write, check, render
 * and validate a tree, extend the component registry and build typed patches. Everything else
 * (the writer, the lock, the renderer plumbing) is internal and may change in any release.
 */

// The commands.
export { check } from "./commands/check.js";
export type { CheckOptions } from "./commands/check.js";
export { generate } from "./commands/generate.js";
export type { GenerateOptions, GenerateResult } from "./commands/generate.js";
export { render } from "./commands/render.js";
export type { RenderOptions } from "./commands/render.js";
export { validate } from "./commands/validate.js";
export type { OverlayValidation, ValidateOptions } from "./commands/validate.js";
export { init } from "./commands/init.js";
export type { InitFile, InitOptions, InitResult } from "./commands/init.js";
export type { ReadTreeOptions } from "./commands/tree.js";
export type { TreeOptions } from "./tree/resolve-environments.js";
export type { TreeDrift } from "./write/planned-tree.js";
// Changes of existing objects generate refuses without allowReplace (docs/upgrades.md).
export { checkTree } from "./commands/check.js";
export type { CheckResult } from "./commands/check.js";
export type { UpgradeFinding } from "./tree/upgrade-guards.js";
export type { WriteTreeResult } from "./write/transaction.js";
export type { OverlaySummary } from "./render/on-disk.js";
export { kubectlRenderer, kustomizeRenderer } from "./render/kustomize.js";
export type { Rendered, Renderer } from "./render/kustomize.js";

// The config file (argusai-kustomize.config.*).
export { defineConfig } from "./model/config.js";
export type { ArgusArgoCDConfig, ArgusConfig } from "./model/config.js";

// Environments.
export { defineEnvironment } from "./model/define-environment.js";
export { environmentJsonSchema, environmentSchemaFor, environmentSpecSchema, validateEnvironment } from "./model/environment-spec.js";
export type { EnvironmentSpec, FieldPath, ImageVersion, IngressSpec, ResourceSpec, SecretSpec, SpecProblem } from "./model/environment-spec.js";
export { builtInEnvironments, devEnvironment, prodEnvironment, PROD_IMAGE_VERSION_PLACEHOLDER } from "./model/built-in-environments.js";
export type { EnvironmentNotice, ProdOptions } from "./model/built-in-environments.js";

// The base and its component registry.
export { argusBase, baseResources, BASE_CONFIG, NAMES } from "./model/base.js";
export type { ArgusBase, KubeObject, Modeled } from "./model/base.js";
export { ARGUSAI_COMPONENTS, ARGUSAI_SERVED_PATHS, defineComponent } from "./model/components.js";
export type { ArgusComponent, ComponentDefinition, ComponentProbes, ComponentRegistry, ComponentRoute, ProbeAction } from "./model/components.js";

// Typed patches.
export { ContainerPatch, ResourcePatch } from "./patch/json6902.js";
export type { Json6902Patch, JsonPatchOperation, PatchTarget } from "./patch/json6902.js";
export type { PathSegment, SettableAt, ValueAt } from "./patch/path.js";

// Validation results.
export { POLICIES } from "./validate/policies.js";
export type { Policy } from "./validate/policies.js";
export type { Violation } from "./validate/violation.js";

// GitOps: Argo CD Applications, image promotion, environment diffs.
export { ARGOCD_REPO_URL_PLACEHOLDER } from "./argocd/application.js";
export type { ApplicationSummary } from "./argocd/application.js";
export type { ArgoCDOptions, ArgoCDSpec } from "./model/argocd-spec.js";
export { setImages, parseImageUpdates } from "./commands/set-image.js";
export type { AppliedImageUpdate, ImageUpdate } from "./commands/set-image.js";
export { diffEnvironments } from "./commands/diff.js";
export type { DiffOptions, EnvironmentsDiff } from "./commands/diff.js";
export { diffObjects, formatObjectsDiff } from "./diff/objects.js";
export type { FieldChange, ObjectRef, ObjectsDiff, RenderedObject } from "./diff/objects.js";

// Monitoring (prometheus-operator): the metrics the rules may read, the rules and alerts.
export { METRIC_FAMILIES, TARGET_LABELS } from "./model/metrics.js";
export type { MetricFamily, MetricSource, MetricType } from "./model/metrics.js";
export { ALERTS, RECORDING_RULES } from "./model/monitoring-rules.js";
export type { AlertDefinition, AlertThreshold, RecordingRuleDefinition, RuleScope } from "./model/monitoring-rules.js";
export type { MonitoringSpec } from "./model/monitoring-spec.js";

// Errors.
export { ArgusKustomizeError, ERROR_CODES, formatProblem } from "./errors.js";
export type { ErrorCode, ErrorLocation, Problem } from "./errors.js";
