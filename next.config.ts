import type { NextConfig } from "next";
import { ACTION_BODY_LIMIT_BYTES } from "@/lib/core/body-limit";

const securityHeaders = [
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
  { key: "X-Frame-Options", value: "DENY" },
  { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=()" },
];
/** The Reports tab frames the proxied Grafana panels (same origin): SAMEORIGIN there, DENY everywhere else. */
const grafanaProxyHeaders = securityHeaders.map((h) =>
  h.key === "X-Frame-Options" ? { key: h.key, value: "SAMEORIGIN" } : h,
);

const nextConfig: NextConfig = {
  // Native / wasm packages are loaded from node_modules at run time, not bundled.
  serverExternalPackages: ["@electric-sql/pglite", "@node-rs/argon2", "ioredis", "pg"],
  poweredByHeader: false,
  // Forms (server actions) take at most this; proxy.ts answers 413 above it instead of Next's 500.
  // The proxy's copy of a request body is bounded the same way (Next's default is 10 MB).
  experimental: {
    serverActions: { bodySizeLimit: ACTION_BODY_LIMIT_BYTES },
    proxyClientMaxBodySize: ACTION_BODY_LIMIT_BYTES,
  },
  // The build type-checks the app; tests, e2e and scripts are checked by `tsc --noEmit` (npm run typecheck, CI).
  typescript: { tsconfigPath: "tsconfig.build.json" },
  async headers() {
    return [
      { source: "/:path((?!orgs/[^/]+/grafana/).*)", headers: securityHeaders },
      { source: "/orgs/:org/grafana/:path*", headers: grafanaProxyHeaders },
    ];
  },
};

export default nextConfig;
