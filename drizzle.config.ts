import { defineConfig } from "drizzle-kit";

// Migrations are generated once and run unchanged on PGlite and PostgreSQL (`calbridge migrate`, and on start).
export default defineConfig({
  dialect: "postgresql",
  schema: "./src/store/schema.ts",
  out: "./src/store/migrations",
});
