import { defineConfig, globalIgnores } from "eslint/config";
import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";

export default defineConfig([
  ...nextVitals,
  ...nextTs,
  {
    // Playwright fixtures call `use`, which is not React's hook.
    files: ["e2e/**"],
    rules: { "react-hooks/rules-of-hooks": "off" },
  },
  {
    // The domain layer: plain functions of (db, caller, input). Nothing from Next, React or the UI.
    files: ["lib/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["next", "next/*", "react", "react/*", "react-dom", "react-dom/*"],
              message: "lib/ is framework-free.",
            },
            {
              group: ["@/app", "@/app/*", "@/components", "@/components/*"],
              message: "lib/ must not import app/ or components/.",
            },
            { group: ["**/app/**", "**/components/**"], message: "lib/ must not import app/ or components/." },
          ],
        },
      ],
    },
  },
  {
    // Components reach the server only through the server actions in app/actions.ts (types may be imported).
    files: ["components/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["@/app/*", "!@/app/actions"],
              allowTypeImports: true,
              message: "Components import server actions from @/app/actions only.",
            },
            { group: ["@/db", "@/db/*"], message: "Components never touch the database; go through an action." },
          ],
        },
      ],
    },
  },
  globalIgnores([
    ".next/**",
    ".data/**",
    "node_modules/**",
    "test-results/**",
    "playwright-report/**",
    "e2e/.artifacts/**",
    "next-env.d.ts",
  ]),
]);
