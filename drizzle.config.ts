import { defineConfig } from "drizzle-kit";

// `npm run db:generate` writes a new SQL migration into migrations/ from changes to the schema.
export default defineConfig({
  dialect: "sqlite",
  schema: [
    "./src/store/schema.ts",
    "./src/store/e2ee-schema.ts",
    "./src/store/passkey-schema.ts",
    "./src/store/cluster-schema.ts",
    "./src/store/message-extras-schema.ts",
    "./src/store/account-schema.ts",
  ],
  out: "./migrations",
});
