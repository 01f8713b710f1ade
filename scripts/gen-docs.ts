// Writes the documentation that is generated from code: docs/configuration.md.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { configMarkdown } from "../src/config/help.ts";

writeFileSync(join(import.meta.dir, "..", "docs", "configuration.md"), configMarkdown());
console.log("wrote docs/configuration.md");
