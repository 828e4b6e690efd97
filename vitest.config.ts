import { defineConfig } from "vitest/config";

// One vitest run over every workspace; packages resolve to their TypeScript sources
// through the "@ksm/source" export condition, so tests need no build.
export default defineConfig({
  resolve: { conditions: ["@ksm/source"] },
  ssr: { resolve: { conditions: ["@ksm/source"] } },
  test: {
    include: [
      "packages/*/test/**/*.test.ts",
      "apps/*/test/**/*.test.ts",
      "examples/plugins/*/test/**/*.test.ts",
      "test/**/*.test.ts",
    ],
    testTimeout: 60_000,
  },
});
