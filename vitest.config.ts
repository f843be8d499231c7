import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["**/*.test.ts"],
    exclude: ["node_modules/**", "dist/**", ".data/**", "console/**"],
    globalSetup: ["./test/global-setup.ts"],
    pool: "forks",
    // Test files share a worker's loaded modules (the app's import graph is most of a file's start-up: 300 s
    // of a 990 s run when every file loaded it afresh). Nothing is mocked anywhere, and every file builds its
    // own app on its own database, so what a file leaves behind is only module-level caches of pure code.
    isolate: false,
    // Two files at once even on two cores: most of a file's time is spent waiting on Postgres, Redis, a
    // browser or a fake provider, not on the CPU.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // No test may be skipped or focused on main.
    allowOnly: false,
    passWithNoTests: false,
  },
});
