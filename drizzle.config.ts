import { defineConfig } from 'drizzle-kit';

// Migrations are generated here and committed; src/db.ts applies them at start-up and in tests.
export default defineConfig({
  dialect: 'postgresql',
  schema: './db/schema/index.ts',
  out: './db/migrations',
});
