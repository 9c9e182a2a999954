import { z } from "zod";
import { environmentSpecSchema } from "./environment-schema.js";

/**
 * The JSON Schema of an environment file, for editors (generated from {@link environmentSpecSchema};
 * shipped as `schema/environment.schema.json`). In YAML, point at it with
 * `# yaml-language-server: $schema=<path>/environment.schema.json`; in JSON, with `"$schema"`.
 */
export function environmentJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(environmentSpecSchema, { io: "input", unrepresentable: "throw" }),
    $id: "urn:argusai-kustomize:environment",
    title: "ArgusAI environment (argusai-kustomize)",
  };
}
