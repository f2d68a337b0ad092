import "server-only";
import { headers as requestHeaders } from "next/headers";
import { publicBaseUrl } from "@/lib/core";
import { appConfig } from "./config";

/**
 * An absolute URL on the console's public origin, for redirects and links that leave the request: AUTH_URL, or
 * the host the request came to (lib/core/config.ts `publicBaseUrl` says which headers are believed). Never
 * `request.nextUrl.origin`, which is the server's bind address (`http://localhost:<port>`) under `next start`.
 */
export async function publicUrl(path: string, headers?: Headers): Promise<string> {
  const base = publicBaseUrl(headers ?? (await requestHeaders()), appConfig());
  return `${base}${path.startsWith("/") ? path : `/${path}`}`;
}
