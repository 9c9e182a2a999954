import { z } from "zod";
import { ARGUSAI_COMPONENTS } from "./components.js";
import { ENVIRONMENT_RULES } from "./environment-rules.js";
import { environmentSpecSchema } from "./environment-schema.js";

/**
 * The JSON Schema of an environment file, for editors (generated from {@link environmentSpecSchema};
 * shipped as `schema/environment.schema.json`), with the cross-field rules JSON Schema can say
 * (each rule's own `jsonSchema`) in its root `allOf`. In YAML, point at it with
 * `# yaml-language-server: $schema=<path>/environment.schema.json`; in JSON, with `"$schema"`.
 */
export function environmentJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(environmentSpecSchema, { io: "input", unrepresentable: "throw" }),
    allOf: ENVIRONMENT_RULES.flatMap((rule) => rule.jsonSchema?.(ARGUSAI_COMPONENTS) ?? []),
    $id: "urn:argusai-kustomize:environment",
    title: "ArgusAI environment (argusai-kustomize)",
  };
}
