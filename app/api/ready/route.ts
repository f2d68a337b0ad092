import { sql } from "drizzle-orm";
import { getDb } from "@/db";
import { rawRows } from "@/db/client";
import { redisClient } from "@/app/_server/deps";

/**
 * Readiness for load balancers: 200 when the database answers (and Redis, when REDIS_URL is set), else 503 with
 * Retry-After and which one is unreachable. Each check gives up after 2 s.
 */
export const dynamic = "force-dynamic";

type Check = "ok" | "unreachable" | "not configured";

function within<T>(ms: number, p: Promise<T>): Promise<T> {
  return Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error("timeout")), ms))]);
}

async function database(): Promise<Check> {
  try {
    await within(
      2_000,
      getDb().then((db) => rawRows(db, sql`select 1`)),
    );
    return "ok";
  } catch {
    return "unreachable";
  }
}

async function redis(): Promise<Check> {
  const client = redisClient();
  if (!client) return "not configured";
  try {
    await within(2_000, client.ping());
    return "ok";
  } catch {
    return "unreachable";
  }
}

export async function GET() {
  const [db, rd] = await Promise.all([database(), redis()]);
  const ready = db === "ok" && rd !== "unreachable";
  return Response.json(
    { status: ready ? "ready" : "unavailable", database: db, redis: rd },
    { status: ready ? 200 : 503, headers: { "Cache-Control": "no-store", ...(ready ? {} : { "Retry-After": "5" }) } },
  );
}
