import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";

/** Starts `npm start` with exactly `env` (plus PATH and HOME) and collects what it prints. */
export function startServer(env: Record<string, string>, port: number) {
  const child = spawn("npm", ["start", "--", "-p", String(port)], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } as unknown as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const out = { text: "" };
  child.stdout!.on("data", (d: Buffer) => (out.text += d));
  child.stderr!.on("data", (d: Buffer) => (out.text += d));
  return { child, out };
}

export function stopServer(child: ChildProcess) {
  try {
    process.kill(-child.pid!, "SIGTERM"); // npm, sh and next: the whole group
  } catch {
    /* already gone */
  }
}

/**
 * A TCP relay in front of PostgreSQL that a test can cut (the database "goes away": every open connection is
 * reset and new ones are refused) and restore, on the same port.
 */
export async function cuttableRelay(target: { host: string; port: number }) {
  const sockets = new Set<net.Socket>();
  let server: net.Server | null = null;
  let port = 0;
  const open = () =>
    new Promise<void>((resolve, reject) => {
      server = net.createServer((client) => {
        const upstream = net.connect(target.port, target.host);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on("close", () => sockets.delete(s));
          s.on("error", () => {
            client.destroy();
            upstream.destroy();
          });
        }
        client.pipe(upstream);
        upstream.pipe(client);
      });
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        port = (server!.address() as net.AddressInfo).port;
        resolve();
      });
    });
  await open();
  return {
    get port() {
      return port;
    },
    async cut() {
      // close() calls back only once every connection ended: reset them first, then wait.
      const closed = new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      server = null;
      for (const s of sockets) s.resetAndDestroy();
      await closed;
    },
    restore: open,
    async close() {
      await this.cut();
    },
  };
}
