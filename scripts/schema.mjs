#!/usr/bin/env node
// Writes schema/environment.schema.json and docs/environment-fields.md from the EnvironmentSpec
// zod schema (run after build; `npm run schema`).
import { writeFileSync } from "node:fs";
import { environmentJsonSchema } from "../dist/model/environment-spec.js";
import { environmentFieldsMarkdown } from "../dist/model/environment-reference.js";

writeFileSync(new URL("../schema/environment.schema.json", import.meta.url), `${JSON.stringify(environmentJsonSchema(), null, 2)}\n`);
writeFileSync(new URL("../docs/environment-fields.md", import.meta.url), environmentFieldsMarkdown());
