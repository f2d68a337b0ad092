// Runs once when the server starts (Node.js runtime only).
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    // First: every request from now on carries its socket address (lib/core/peer-address.ts explains why).
    const { stampPeerAddresses } = await import("./lib/core/peer-address");
    stampPeerAddresses({ warnUnstamped: process.env.NODE_ENV === "production" });
    const { startServer } = await import("./app/_server/startup");
    await startServer();
  }
}
