#!/usr/bin/env node
// Writes schema/environment.schema.json from the EnvironmentSpec zod schema (run after build).
import { writeFileSync } from "node:fs";
import { environmentJsonSchema } from "../dist/model/environment-spec.js";

writeFileSync(new URL("../schema/environment.schema.json", import.meta.url), `${JSON.stringify(environmentJsonSchema(), null, 2)}\n`);
