import { defineConfig } from "vitest/config";

// One vitest run over every workspace; packages resolve to their TypeScript sources
// through the "@ksm/source" export condition, so tests need no build. The sources are
// loaded by Node itself, with tsx stripping their types, not by Vite's module runner: the
// runner turns every imported binding into a getter call, and the simulator ran four to
// five times slower under it.
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
    execArgv: ["--import", "tsx/esm", "--conditions=@ksm/source"],
    server: { deps: { external: [/\/(packages|apps|examples\/plugins)\/[^/]+\/src\//] } },
  },
});
