// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import prettier from "eslint-config-prettier";

/**
 * A layer's files may not import these top-level folders (relative paths, any depth) nor these packages.
 * Tests are outside the layers: they build the platform and assert the database, whatever they sit beside.
 */
function layer(files, folders, packages = []) {
  const patterns = [
    ...folders.map((f) => ({
      // Our folders, at any depth of a relative path; never a scoped package such as @opentelemetry/api.
      group: [`**/${f}`, `**/${f}/**`, "!@*/**"],
      message: `${files.split("/")[0]}/ must not import ${f}/ (layers point one way: docs/architecture.md).`,
    })),
    ...(packages.length
      ? [{ group: packages, message: `${files.split("/")[0]}/ must not depend on this package.` }]
      : []),
  ];
  return [
    {
      files: [files],
      ignores: ["**/*.test.ts"],
      rules: { "no-restricted-imports": ["error", { patterns }] },
    },
  ];
}

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", ".data/", "coverage/", "db/migrations/", "console/dist/"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/await-thenable": "error",
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/switch-exhaustiveness-check": "error",
      "no-console": ["error", { allow: ["warn", "error"] }],
      eqeqeq: ["error", "smart"],
      // Fastify plugins and route handlers are async by contract, with or without an await inside.
      "@typescript-eslint/require-await": "off",
    },
  },
  {
    files: ["bench/**", "db/scripts/**", "api/seed.ts", "api/rag-reindex.ts", "test/**", "**/*.test.ts"],
    rules: { "no-console": "off" },
  },
  // Layers (docs/architecture.md): api, workers → channels → bot → domain → db, and infra (adapters of the
  // domain's ports) beside them. Nothing imports upward; only repositories import db/schema's tables.
  ...layer("db/**/*.ts", ["domain", "infra", "bot", "channels", "api", "workers"]),
  ...layer("infra/**/*.ts", ["bot", "channels", "api", "workers"]),
  ...layer(
    "domain/**/*.ts",
    ["infra", "bot", "channels", "api", "workers"],
    [
      // The domain knows no transport, channel SDK or model library.
      "fastify",
      "@fastify/*",
      "telegraf",
      "langchain",
      "@langchain/*",
      "bullmq",
      "ioredis",
    ],
  ),
  ...layer("bot/**/*.ts", ["db", "infra", "channels", "api", "workers"], ["fastify", "@fastify/*"]),
  ...layer("channels/**/*.ts", ["db", "infra", "api", "workers"], ["fastify", "@fastify/*"]),
  ...layer("workers/**/*.ts", ["api"]),
  {
    // Only repositories touch the database's tables: other domain files may import db/schema for types only.
    files: ["domain/**/*.ts"],
    ignores: [
      "**/*.test.ts",
      "domain/**/repository.ts",
      "domain/**/*-repository.ts",
      // The append-only writers other modules call inside their own transactions (each its table's one writer).
      "domain/audit/audit.ts",
      "domain/notifications/outbox.ts",
      "domain/notifications/delivery-status.ts",
      "domain/payments/ledger/ledger.ts",
      // Reference data shipped with the code, written at start-up.
      "domain/orders/catalog/seed.ts",
    ],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/db/schema", "**/db/schema/**"],
              allowTypeImports: true,
              message: "Only repositories import db/schema's tables; use the module's repository.",
            },
          ],
        },
      ],
    },
  },
  {
    // No focused or skipped tests on main.
    files: ["**/*.test.ts"],
    rules: {
      "no-restricted-properties": [
        "error",
        ...["describe", "it", "test"].flatMap((object) =>
          ["only", "skip", "todo"].map((property) => ({
            object,
            property,
            message: "No focused, skipped or to-do tests on main.",
          })),
        ),
      ],
      "no-restricted-globals": [
        "error",
        { name: "fit", message: "No focused tests." },
        { name: "xit", message: "No skipped tests." },
      ],
    },
  },
  {
    // Tests read JSON responses, which are untyped by nature; the assertions check their shape.
    files: ["**/*.test.ts", "test/**"],
    rules: {
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      "@typescript-eslint/no-explicit-any": "off",
    },
  },
  {
    files: ["*.js", "*.cjs", "console/*.mjs"],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // The console's build script runs under Node.
    files: ["console/*.mjs"],
    languageOptions: { globals: { process: "readonly", console: "readonly" } },
  },
  {
    files: ["*.cjs"],
    languageOptions: { sourceType: "commonjs", globals: { module: "writable", require: "readonly" } },
  },
  prettier,
);
