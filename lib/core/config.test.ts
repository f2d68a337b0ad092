import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import {
  clientAddressFrom,
  invalidSettings,
  missingProductionSettings,
  oauthProvidersFromEnv,
  parseConfig,
  publicBaseUrl,
} from "./config";
import { PEER_HEADER, stampedHeaders, stampPeerAddresses } from "./peer-address";

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
    expect(missing).toHaveLength(3);
    expect(missing[0]).toMatch(/^AUTH_SECRET/);
    expect(missing[1]).toMatch(/^AUTH_URL/);
    expect(missing[2]).toMatch(/^SECRETS_KEY/);
  });
  it("refuses a short secret", () => {
    expect(missingProductionSettings({ AUTH_SECRET: "short", AUTH_TRUST_HOST: "true" })[0]).toMatch(/^AUTH_SECRET/);
  });
  it("is satisfied by a real secret and a URL or trusted host", () => {
    const SECRETS_KEY = "a".repeat(64);
    expect(
      missingProductionSettings({ AUTH_SECRET: "x".repeat(40), AUTH_URL: "https://console.example", SECRETS_KEY }),
    ).toEqual([]);
    expect(missingProductionSettings({ AUTH_SECRET: "x".repeat(40), AUTH_TRUST_HOST: "true", SECRETS_KEY })).toEqual(
      [],
    );
  });
});

describe("SECRETS_KEY", () => {
  const key = Buffer.alloc(32, 7);
  it("reads 32 bytes as hex, base64 or base64url", () => {
    expect(parseConfig({ SECRETS_KEY: key.toString("hex") }).secretsKey).toEqual(key);
    expect(parseConfig({ SECRETS_KEY: key.toString("base64") }).secretsKey).toEqual(key);
    expect(parseConfig({ SECRETS_KEY: ` ${key.toString("base64url")} ` }).secretsKey).toEqual(key);
    expect(parseConfig({}).secretsKey).toBeNull();
    expect(invalidSettings({ SECRETS_KEY: key.toString("hex") })).toEqual([]);
  });
  it("names a key of another length or with stray characters", () => {
    for (const bad of [Buffer.alloc(16).toString("hex"), Buffer.alloc(31).toString("base64"), "z".repeat(64)]) {
      expect(parseConfig({ SECRETS_KEY: bad }).secretsKey).toBeNull();
      expect(invalidSettings({ SECRETS_KEY: bad })[0]).toMatch(/^SECRETS_KEY/);
    }
  });
});

describe("client address (clientAddressFrom: the socket's address, TRUSTED_PROXIES)", () => {
  it("is the socket's address; X-Forwarded-For and X-Real-IP from the client are ignored", () => {
    const headers = stampedHeaders("::ffff:203.0.113.7", { "x-forwarded-for": "1.2.3.4", "x-real-ip": "5.6.7.8" });
    expect(clientAddressFrom(headers, parseConfig({}))).toBe("203.0.113.7");
  });
  it("reads X-Forwarded-For from the right when the socket is a trusted proxy", () => {
    const headers = stampedHeaders("::ffff:10.0.0.5", { "x-forwarded-for": "6.6.6.6, 203.0.113.9, 10.0.0.4" });
    expect(clientAddressFrom(headers, parseConfig({ TRUSTED_PROXIES: "10.0.0.0/8" }))).toBe("203.0.113.9");
    expect(clientAddressFrom(headers, parseConfig({ TRUSTED_PROXIES: "10.0.0.4" }))).toBe("10.0.0.5");
  });
  it("is 'unknown' without a socket address, or with one this process did not stamp", () => {
    expect(
      clientAddressFrom(new Headers({ "x-forwarded-for": "1.2.3.4" }), parseConfig({ TRUSTED_PROXIES: "0.0.0.0/0" })),
    ).toBe("unknown");
    const forged = new Headers({ [PEER_HEADER]: "0123456789abcdef 10.0.0.1", "x-forwarded-for": "1.2.3.4" });
    expect(clientAddressFrom(forged, parseConfig({ TRUSTED_PROXIES: "10.0.0.0/8" }))).toBe("unknown");
  });
  it("stamps each request of a real HTTP server with its socket address, over a forged header", async () => {
    stampPeerAddresses();
    const server = createServer((req, res) => {
      const headers = new Headers(req.headers as Record<string, string>);
      res.end(clientAddressFrom(headers, parseConfig({ TRUSTED_PROXIES: "" })));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const forged = { [PEER_HEADER]: "x 6.6.6.6", "x-forwarded-for": "7.7.7.7" };
      const answer = await (await fetch(`http://127.0.0.1:${port}/`, { headers: forged })).text();
      expect(answer).toBe("127.0.0.1");
    } finally {
      server.close();
    }
  });
});

describe("public base URL (links and redirects)", () => {
  const fromPeer = (peer: string, init: Record<string, string>) => stampedHeaders(peer, init);
  it("is AUTH_URL when set, whatever the request says", () => {
    const h = fromPeer("10.0.0.1", { host: "evil.example", "x-forwarded-host": "evil.example" });
    expect(
      publicBaseUrl(h, parseConfig({ AUTH_URL: "https://console.example.com/", TRUSTED_PROXIES: "10.0.0.0/8" })),
    ).toBe("https://console.example.com");
  });
  it("takes X-Forwarded-Host and -Proto only from a trusted proxy", () => {
    const init = { host: "app:3000", "x-forwarded-host": "console.example.com", "x-forwarded-proto": "https" };
    expect(publicBaseUrl(fromPeer("10.0.0.1", init), parseConfig({ TRUSTED_PROXIES: "10.0.0.0/8" }))).toBe(
      "https://console.example.com",
    );
    // the same headers straight from a client: the Host it connected to
    expect(publicBaseUrl(fromPeer("203.0.113.9", init), parseConfig({ TRUSTED_PROXIES: "10.0.0.0/8" }))).toBe(
      "https://app:3000",
    );
  });
  it("uses http for a local host and https otherwise, never the server's bind address", () => {
    expect(publicBaseUrl(fromPeer("127.0.0.1", { host: "127.0.0.1:3120" }), parseConfig({}))).toBe(
      "http://127.0.0.1:3120",
    );
    expect(publicBaseUrl(fromPeer("127.0.0.1", { host: "localhost:3000" }), parseConfig({}))).toBe(
      "http://localhost:3000",
    );
    expect(publicBaseUrl(fromPeer("203.0.113.9", { host: "Console.Example.com" }), parseConfig({}))).toBe(
      "https://console.example.com",
    );
  });
  it("refuses a Host that is not a host name", () => {
    for (const host of ["evil.example/path", "user@evil.example", "evil.example:99999999", "a b"]) {
      expect(publicBaseUrl(fromPeer("127.0.0.1", { host }), parseConfig({})), host).toBe("http://localhost");
    }
    const h = fromPeer("10.0.0.1", { host: "console.example.com", "x-forwarded-host": "evil.example/x" });
    expect(publicBaseUrl(h, parseConfig({ TRUSTED_PROXIES: "10.0.0.0/8" }))).toBe("https://console.example.com");
  });
  it("ignores a forwarded protocol that is neither http nor https", () => {
    const h = fromPeer("10.0.0.1", { host: "console.example.com", "x-forwarded-proto": "javascript" });
    expect(publicBaseUrl(h, parseConfig({ TRUSTED_PROXIES: "10.0.0.0/8" }))).toBe("https://console.example.com");
  });
});

describe("invalid settings", () => {
  it("names unreadable TRUSTED_PROXIES entries and a bad AUTH_URL", () => {
    expect(invalidSettings({})).toEqual([]);
    expect(invalidSettings({ TRUSTED_PROXIES: "10.0.0.0/8, ::1", AUTH_URL: "https://c.example" })).toEqual([]);
    expect(invalidSettings({ STRIPE_API_URL: "http://127.0.0.1:12111" })).toEqual([]);
    expect(invalidSettings({ STRIPE_API_URL: "stripe-mock:12111" })[0]).toMatch(/^STRIPE_API_URL/);
    const invalid = invalidSettings({ TRUSTED_PROXIES: "10.0.0.0/8, proxy.internal", AUTH_URL: "console.example" });
    expect(invalid).toHaveLength(2);
    expect(invalid[0]).toMatch(/^TRUSTED_PROXIES: .*"proxy\.internal"/);
    expect(invalid[1]).toMatch(/^AUTH_URL/);
  });

  it("names a CREDIT_CURRENCY that isn't an ISO 4217 code", () => {
    expect(invalidSettings({ CREDIT_CURRENCY: "jpy" })).toEqual([]);
    expect(invalidSettings({ CREDIT_CURRENCY: "KWD" })).toEqual([]);
    expect(invalidSettings({ CREDIT_CURRENCY: "dollars" })).toEqual([
      'CREDIT_CURRENCY: not an ISO 4217 currency code: "dollars"',
    ]);
  });
});

describe("welcome credits for new orgs", () => {
  it("are 100 in development, none in production or tests, and configurable", () => {
    expect(parseConfig({ NODE_ENV: "development" }).newOrgCredits).toBe("100");
    expect(parseConfig({ NODE_ENV: "production" }).newOrgCredits).toBeNull();
    expect(parseConfig({ NODE_ENV: "test" }).newOrgCredits).toBeNull();
    expect(parseConfig({ NODE_ENV: "production", NEW_ORG_CREDITS: "500" }).newOrgCredits).toBe("500");
    expect(parseConfig({ NODE_ENV: "development", NEW_ORG_CREDITS: "0" }).newOrgCredits).toBeNull();
    expect(parseConfig({ NEW_ORG_CREDITS: "12.345" }).newOrgCredits).toBeNull();
  });
});

describe("parseConfig: the environment, parsed once into the settings lib/ is given", () => {
  it("has the documented defaults", () => {
    const c = parseConfig({});
    expect(c).toMatchObject({
      nodeEnv: "",
      authUrl: null,
      newOrgCredits: null,
      pricing: { pricePerCredit: "1.00", currency: "usd" },
      stripe: null,
      mailWorker: { intervalMs: 5000, maxAttempts: 8 },
    });
    expect(c.platformAdmins.size).toBe(0);
  });
  it("reads each setting, trimmed and normalized", () => {
    const c = parseConfig({
      NODE_ENV: "production",
      AUTH_URL: " https://console.example.com// ",
      PLATFORM_ADMINS: " Alice, ,bob ",
      CREDIT_PRICE: "0.25",
      CREDIT_CURRENCY: "EUR",
      STRIPE_SECRET_KEY: " sk_test_1 ",
      STRIPE_WEBHOOK_SECRET: "whsec_1",
      TRUSTED_PROXIES: "10.0.0.0/8",
    });
    expect(c).toMatchObject({
      nodeEnv: "production",
      authUrl: "https://console.example.com",
      pricing: { pricePerCredit: "0.25", currency: "eur" },
      stripe: { secretKey: "sk_test_1", webhookSecret: "whsec_1" },
    });
    expect(c.stripe).not.toHaveProperty("api");
    expect(
      parseConfig({
        STRIPE_SECRET_KEY: "sk_1",
        STRIPE_WEBHOOK_SECRET: "whsec_1",
        STRIPE_API_URL: "http://127.0.0.1:12111",
      }).stripe?.api,
    ).toEqual({ protocol: "http", host: "127.0.0.1", port: 12111 });
    expect([...c.platformAdmins]).toEqual(["alice", "bob"]);
    expect(c.trustedProxies.invalid).toEqual([]);
  });
  it("falls back on unusable prices (invalidSettings names the unusable values that refuse the start)", () => {
    expect(parseConfig({ CREDIT_PRICE: "cheap" }).pricing.pricePerCredit).toBe("1.00");
    expect(parseConfig({ CREDIT_PRICE: "0.12345" }).pricing.pricePerCredit).toBe("1.00");
  });
});
