import { randomBytes } from "node:crypto";
import { request as httpRequest } from "node:http";
import { networkInterfaces } from "node:os";
import { expect } from "@playwright/test";
import { test } from "./helpers";

/**
 * The server under test trusts 127.0.0.1 as a proxy (TRUSTED_PROXIES in playwright.config.ts). These checks also
 * connect from an address it does not trust: ::1, or this machine's own network address.
 */
async function untrustedBase(baseURL: string): Promise<string | null> {
  const port = new URL(baseURL).port;
  const hosts = [
    "[::1]",
    ...Object.values(networkInterfaces())
      .flat()
      .filter((i) => i && i.family === "IPv4" && !i.internal)
      .map((i) => i!.address),
  ];
  for (const host of hosts) {
    const base = `http://${host}:${port}`;
    try {
      if ((await fetch(`${base}/signin`, { redirect: "manual" })).status === 200) return base;
    } catch {
      // not reachable that way: try the next one
    }
  }
  return null;
}

const randomAddress = () => `198.51.${randomBytes(1)[0]}.${randomBytes(1)[0]}`;

/** One credentials sign-in through Auth.js' own endpoint; answers the `code` of the error redirect. */
async function signInAttempt(base: string, forwardedFor: string): Promise<string | null> {
  const headers = { "x-forwarded-for": forwardedFor };
  const csrf = await fetch(`${base}/api/auth/csrf`, { headers });
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const cookie = csrf.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  const res = await fetch(`${base}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { ...headers, cookie, "content-type": "application/x-www-form-urlencoded" },
    // A different unknown account each time: only the per-address limit (30 a minute) can trip.
    body: new URLSearchParams({
      csrfToken,
      identifier: `nobody-${randomBytes(4).toString("hex")}`,
      password: "wrong password!",
      callbackUrl: "/",
    }),
  });
  expect(res.status).toBe(302);
  return new URL(res.headers.get("location")!, base).searchParams.get("code");
}

test("rotating X-Forwarded-For from an untrusted peer does not escape the per-address sign-in limit", async ({
  baseURL,
}) => {
  const base = await untrustedBase(baseURL!);
  test.skip(!base, "no address other than 127.0.0.1 reaches the server here");
  const codes: (string | null)[] = [];
  for (let i = 0; i < 35; i++) codes.push(await signInAttempt(base!, randomAddress()));
  const limited = codes.filter((c) => c?.startsWith("rate_limited:"));
  // 30 a minute per address: the spoofed header gave each attempt no new address.
  expect(codes.length - limited.length).toBeLessThanOrEqual(30);
  expect(limited.length).toBeGreaterThanOrEqual(5);
  expect(codes.at(-1)).toMatch(/^rate_limited:\d+$/);
  expect(codes.filter((c) => c !== null && !c.startsWith("rate_limited:")).every((c) => c === "credentials")).toBe(
    true,
  );
});

test("from the trusted proxy (127.0.0.1), X-Forwarded-For names the client", async ({ baseURL }) => {
  const codes: (string | null)[] = [];
  for (let i = 0; i < 35; i++) codes.push(await signInAttempt(baseURL!, randomAddress()));
  // 35 different clients behind the proxy, one attempt each: none is limited.
  expect(codes).toEqual(Array(35).fill("credentials"));
});

/** A raw GET with a chosen Host header (fetch won't send one). */
function get(base: string, path: string, headers: Record<string, string>) {
  const url = new URL(path, base);
  return new Promise<{ status: number; location?: string }>((resolve, reject) => {
    const req = httpRequest(
      { hostname: url.hostname.replace(/^\[|\]$/g, ""), port: url.port, path: url.pathname + url.search, headers },
      (res) => {
        res.resume();
        resolve({ status: res.statusCode!, location: res.headers.location });
      },
    );
    req.on("error", reject);
    req.end();
  });
}

test("/verify-email redirects on the public host, never the server's bind address or a spoofed host", async ({
  baseURL,
}) => {
  const path = "/verify-email?token=not-a-real-token";
  const direct = await get(baseURL!, path, {});
  expect(direct.status).toBe(307);
  expect(direct.location).toBe(`${baseURL}/account?verify=failed`); // was http://localhost:<port>/…

  // Through the trusted proxy: its Host / X-Forwarded-Host and X-Forwarded-Proto.
  expect((await get(baseURL!, path, { host: "console.example.com" })).location).toBe(
    "http://console.example.com/account?verify=failed",
  );
  const forwarded = { "x-forwarded-host": "console.example.com", "x-forwarded-proto": "https" };
  expect((await get(baseURL!, path, forwarded)).location).toBe("https://console.example.com/account?verify=failed");

  // Straight from an untrusted client, X-Forwarded-Host is ignored: the host it connected to.
  const base = await untrustedBase(baseURL!);
  test.skip(!base, "no address other than 127.0.0.1 reaches the server here");
  const spoofed = await get(base!, path, { "x-forwarded-host": "evil.example", "x-forwarded-proto": "https" });
  expect(new URL(spoofed.location!).host).toBe(new URL(base!).host);
});
