// Writes the documentation that is generated from code: docs/configuration.md and docs/permissions.md.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { permissionsMarkdown } from "../src/chat/permissions.ts";
import { configMarkdown } from "../src/config/help.ts";

const docs = join(import.meta.dir, "..", "docs");
writeFileSync(join(docs, "configuration.md"), configMarkdown());
writeFileSync(join(docs, "permissions.md"), permissionsMarkdown());
console.log("wrote docs/configuration.md and docs/permissions.md");
