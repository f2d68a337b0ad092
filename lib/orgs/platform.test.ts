import { describe, expect, it } from "vitest";
import { userCaller } from "../core/caller";
import { NotFound } from "../core/errors";
import { listAllOrgs } from "./platform";
import { makeOrg, makePlatformAdmin, makeUser, withTestDatabase } from "../test/fixtures";

const t = withTestDatabase();

describe("listAllOrgs", () => {
  it("shows a platform admin every org with its member count and balance, searched by name", async () => {
    const operator = await makePlatformAdmin(t.db);
    const [a, b] = [await makeUser(t.db), await makeUser(t.db)];
    const org = await makeOrg(t.db, { admin: a, user: b });
    const all = await listAllOrgs(t.db, userCaller(operator.id), {});
    expect(all.rows.find((r) => r.name === org.name)).toMatchObject({ memberCount: 2, balance: "0.00000000" });
    const found = await listAllOrgs(t.db, userCaller(operator.id), { q: org.name.slice(4) });
    expect(found.rows.map((r) => r.name)).toEqual([org.name]);
    expect((await listAllOrgs(t.db, userCaller(operator.id), { q: "no_such%" })).rows).toEqual([]);
  });

  it("is not found for anyone else, even an org admin", async () => {
    const admin = await makeUser(t.db);
    await makeOrg(t.db, { admin });
    await expect(listAllOrgs(t.db, userCaller(admin.id), {})).rejects.toBeInstanceOf(NotFound);
  });
});
