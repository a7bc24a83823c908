import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // A test certificate trusted through NODE_EXTRA_CA_CERTS by every forked worker (the local ARM and
    // Kubernetes servers in test/support speak HTTPS).
    globalSetup: ["test/support/globalSetup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
