import { describe, expect, it } from "vitest";
import { buildAuthConfig } from "./auth";

type ProviderLike = { id: string; options?: { clientId?: string; clientSecret?: string } };
const providers = (env: Record<string, string>) => buildAuthConfig(env).providers as unknown as ProviderLike[];
const ids = (env: Record<string, string>) => providers(env).map((p) => p.id);

describe("Auth.js providers follow the environment", () => {
  it("offers only password sign-in by default", () => {
    expect(ids({})).toEqual(["credentials"]);
  });
  it("adds GitHub and Google when their client id and secret are set", () => {
    expect(ids({ AUTH_GITHUB_ID: "a", AUTH_GITHUB_SECRET: "b" })).toEqual(["credentials", "github"]);
    expect(ids({ AUTH_GITHUB_ID: "a", AUTH_GITHUB_SECRET: "b", AUTH_GOOGLE_ID: "c", AUTH_GOOGLE_SECRET: "d" })).toEqual(
      ["credentials", "github", "google"],
    );
  });
  it("uses the configured client credentials", () => {
    const [, github] = providers({ AUTH_GITHUB_ID: "the-id", AUTH_GITHUB_SECRET: "the-secret" });
    expect(github!.options).toMatchObject({ clientId: "the-id", clientSecret: "the-secret" });
  });
});
