import { randomBytes } from "node:crypto";
import { subscribe } from "node:diagnostics_channel";
import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";

/**
 * The TCP peer's address of each request, for code that only sees the request's headers (route handlers, server
 * actions, Auth.js' authorize()).
 *
 * Why this exists (Next.js 16.4, `next start`): Next gives app code no socket. Its base server only does
 * `req.headers['x-forwarded-for'] ??= socket.remoteAddress` (node_modules/next/dist/server/base-server.js), i.e.
 * it fills X-Forwarded-For from the socket only when the client sent none, and keeps a client-supplied value
 * verbatim. So X-Forwarded-For (and X-Real-IP, X-Forwarded-Host, X-Forwarded-Proto, all filled the same way)
 * can't tell the peer from whatever the client wrote.
 *
 * Node publishes every incoming HTTP request on the `http.server.request.start` diagnostics channel, with its
 * socket, synchronously before the server's 'request' listeners (Next) run. We subscribe once per process (from
 * instrumentation.ts) and write the socket's address into PEER_HEADER, overwriting anything the client sent under
 * that name. Next copies request headers from `req.headers` (not `rawHeaders`), so route handlers, server actions
 * and `headers()` see our value. The value carries a random per-process tag, so a header forged by a client in
 * the moment before the subscription exists (server start) is not believed either: the peer is then "unknown".
 */
export const PEER_HEADER = "x-apolo-peer-address";

interface PeerState {
  tag: string;
  installed: boolean;
  /** Whether a request without its address is worth a (single) warning: in production (NODE_ENV, via the caller). */
  warnUnstamped: boolean;
  warned: boolean;
}

const holder = globalThis as unknown as { __apoloPeer?: PeerState };

function state(): PeerState {
  return (holder.__apoloPeer ??= {
    tag: randomBytes(16).toString("hex"),
    installed: false,
    warnUnstamped: false,
    warned: false,
  });
}

/**
 * Starts stamping every request of this process with its socket address. Idempotent. `warnUnstamped` (production):
 * log once when a request arrives without one.
 */
export function stampPeerAddresses(opts: { warnUnstamped?: boolean } = {}): void {
  const s = state();
  if (s.installed) return;
  s.installed = true;
  s.warnUnstamped = opts.warnUnstamped ?? false;
  subscribe("http.server.request.start", (message) => {
    const { request, socket } = message as { request: IncomingMessage; socket: Socket };
    request.headers[PEER_HEADER] = `${s.tag} ${socket.remoteAddress ?? ""}`;
  });
}

/** The socket address stamped on these headers, or null when there is none from this process. */
export function peerAddressFrom(headers: Headers): string | null {
  const s = state();
  const value = headers.get(PEER_HEADER);
  const space = value?.indexOf(" ") ?? -1;
  if (value && space !== -1 && value.slice(0, space) === s.tag) return value.slice(space + 1) || null;
  if (s.installed && !s.warned && s.warnUnstamped) {
    s.warned = true;
    console.warn("[client-address] a request without its socket address: counted as 'unknown' for rate limits");
  }
  return null;
}

/** For tests: headers as a request stamped by this process would carry them. */
export function stampedHeaders(socketAddress: string, init: Record<string, string> = {}): Headers {
  return new Headers({ ...init, [PEER_HEADER]: `${state().tag} ${socketAddress}` });
}
