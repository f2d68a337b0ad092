import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { emailVerifications } from "@/db/schema";
import { userCaller } from "../core/caller";
import { getAccount, requestEmailVerification } from "./accounts";
import { makeUser, testServices, withTestDatabase } from "../test/fixtures";

const t = withTestDatabase();

describe("getAccount verificationSentAt (onboarding: 'we sent a verification link — resend')", () => {
  it("is null until a link is sent, then the time of the latest still-valid link to the current address", async () => {
    const user = await makeUser(t.db);
    const me = userCaller(user.id);
    expect((await getAccount(t.db, me)).verificationSentAt).toBeNull();
    await requestEmailVerification(t.db, me, testServices());
    const sent = (await getAccount(t.db, me)).verificationSentAt;
    expect(sent).toBeInstanceOf(Date);
    expect(Math.abs(sent!.getTime() - Date.now())).toBeLessThan(60_000);
    // An expired link no longer counts: the page offers to send one again.
    await t.db
      .update(emailVerifications)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(emailVerifications.userId, user.id));
    expect((await getAccount(t.db, me)).verificationSentAt).toBeNull();
  });
});
