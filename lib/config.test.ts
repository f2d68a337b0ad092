import { describe, expect, it } from "vitest";
import { clientAddressFrom, missingProductionSettings, newOrgCredits, oauthProvidersFromEnv } from "./config";

describe("OAuth providers appear only when configured", () => {
  it("offers none by default", () => {
    expect(oauthProvidersFromEnv({})).toEqual([]);
  });
  it("needs both the id and the secret", () => {
    expect(oauthProvidersFromEnv({ AUTH_GITHUB_ID: "id" })).toEqual([]);
    expect(oauthProvidersFromEnv({ AUTH_GOOGLE_SECRET: "s" })).toEqual([]);
    expect(oauthProvidersFromEnv({ AUTH_GITHUB_ID: " ", AUTH_GITHUB_SECRET: "s" })).toEqual([]);
  });
  it("offers each configured provider", () => {
    expect(oauthProvidersFromEnv({ AUTH_GITHUB_ID: "gid", AUTH_GITHUB_SECRET: "gs" }).map((p) => p.id)).toEqual([
      "github",
    ]);
    expect(
      oauthProvidersFromEnv({
        AUTH_GITHUB_ID: "a",
        AUTH_GITHUB_SECRET: "b",
        AUTH_GOOGLE_ID: "c",
        AUTH_GOOGLE_SECRET: "d",
      }),
    ).toEqual([
      { id: "github", clientId: "a", clientSecret: "b" },
      { id: "google", clientId: "c", clientSecret: "d" },
    ]);
  });
});

describe("production settings", () => {
  it("names each missing secret", () => {
    const missing = missingProductionSettings({});
    expect(missing).toHaveLength(2);
    expect(missing[0]).toMatch(/^AUTH_SECRET/);
    expect(missing[1]).toMatch(/^AUTH_URL/);
  });
  it("refuses a short secret", () => {
    expect(missingProductionSettings({ AUTH_SECRET: "short", AUTH_TRUST_HOST: "true" })[0]).toMatch(/^AUTH_SECRET/);
  });
  it("is satisfied by a real secret and a URL or trusted host", () => {
    expect(missingProductionSettings({ AUTH_SECRET: "x".repeat(40), AUTH_URL: "https://console.example" })).toEqual([]);
    expect(missingProductionSettings({ AUTH_SECRET: "x".repeat(40), AUTH_TRUST_HOST: "true" })).toEqual([]);
  });
});

describe("client address", () => {
  it("takes the entry added by the nearest proxy", () => {
    expect(clientAddressFrom(new Headers({ "x-forwarded-for": "1.2.3.4, 10.0.0.1" }))).toBe("10.0.0.1");
    expect(clientAddressFrom(new Headers({ "x-real-ip": "5.6.7.8" }))).toBe("5.6.7.8");
    expect(clientAddressFrom(new Headers())).toBe("unknown");
  });
});

describe("welcome credits for new orgs", () => {
  it("are 100 in development, none in production or tests, and configurable", () => {
    expect(newOrgCredits({ NODE_ENV: "development" })).toBe("100");
    expect(newOrgCredits({ NODE_ENV: "production" })).toBeNull();
    expect(newOrgCredits({ NODE_ENV: "test" })).toBeNull();
    expect(newOrgCredits({ NODE_ENV: "production", NEW_ORG_CREDITS: "500" })).toBe("500");
    expect(newOrgCredits({ NODE_ENV: "development", NEW_ORG_CREDITS: "0" })).toBeNull();
    expect(newOrgCredits({ NEW_ORG_CREDITS: "12.345" })).toBeNull();
  });
});
