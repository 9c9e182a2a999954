/*
 * The environment spec's public face: one import for the schema, its validation and loading, and
 * its JSON Schema. Each job lives in its own file:
 * - environment-schema.ts: the zod schema (the single definition of EnvironmentSpec);
 * - spec-messages.ts: zod issues worded for people;
 * - environment-rules.ts: rules across fields;
 * - load-environments.ts: validation and loading, located by file and line;
 * - environment-json-schema.ts: the JSON Schema for editors.
 */
export { environmentSchemaFor, environmentSpecSchema } from "./environment-schema.js";
export type { EnvironmentSpec, ImageVersion, IngressSpec, ResourceSpec, SecretSpec } from "./environment-schema.js";
export { dotted } from "./spec-problem.js";
export type { FieldPath, SpecProblem } from "./spec-problem.js";
export { requestAboveLimit } from "./environment-rules.js";
export { environmentName, loadEnvironments, validateEnvironment } from "./load-environments.js";
export type { EnvironmentSource } from "./load-environments.js";
export { environmentJsonSchema } from "./environment-json-schema.js";
