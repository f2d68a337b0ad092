import { z } from "zod";
import { eq } from "drizzle-orm";
import { users } from "@/db/schema";
import { NotFound, requirePerson } from "@/lib/core";
import { defineEndpoint } from "../endpoint";

export const meResponse = z.object({
  username: z.string(),
  email: z.string().nullable(),
  name: z.string().nullable(),
  token: z.object({
    name: z.string(),
    scope: z.enum(["read", "write"]),
    org: z.string().nullable().describe("The org the token is restricted to, or null for all of the person's orgs."),
  }),
});

/** GET /api/v1/me: who the token acts as, and what the token may do. */
export const getMe = defineEndpoint(
  {
    family: "console",
    method: "GET",
    path: "/api/v1/me",
    tag: "Account",
    summary: "The account the token acts as, and the token's scope and org restriction.",
    response: meResponse,
  },
  async ({ db, caller }) => {
    const person = requirePerson(caller);
    if (person.kind !== "token") throw new NotFound("Not found");
    const [u] = await db
      .select({ username: users.username, email: users.email, name: users.name })
      .from(users)
      .where(eq(users.id, person.userId));
    if (!u) throw new NotFound("Account not found");
    let org: string | null = null;
    if (person.orgId) {
      const { orgs } = await import("@/db/schema");
      const [o] = await db.select({ name: orgs.name }).from(orgs).where(eq(orgs.id, person.orgId));
      org = o?.name ?? null;
    }
    return {
      ...u,
      token: { name: person.tokenName, scope: person.scopes.includes("write") ? "write" : "read", org },
    } satisfies z.input<typeof meResponse>;
  },
);
