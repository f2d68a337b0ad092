/**
 * Liveness for load balancers and orchestrators: the process is up and serving. It touches neither the
 * database nor Redis (that is /api/ready), so a database outage never gets healthy instances restarted.
 */
export const dynamic = "force-dynamic";

export function GET() {
  return Response.json({ status: "ok" }, { headers: { "Cache-Control": "no-store" } });
}
