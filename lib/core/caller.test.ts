import { describe, expect, it } from "vitest";
import {
  callerMayAct,
  clusterCaller,
  requireClusterOrSystem,
  requirePerson,
  requireSystem,
  requireUser,
  systemCaller,
  tokenCaller,
  userCaller,
  type Caller,
} from "./caller";

const token = (scopes: ("read" | "write")[]) =>
  tokenCaller({ userId: "u1", tokenId: "t1", tokenName: "ci", scopes, orgId: null });

const kindOf = (fn: () => unknown) => {
  try {
    fn();
    return "ok";
  } catch (err) {
    return (err as { kind?: string }).kind ?? "error";
  }
};

describe("callers", () => {
  it("builds each kind", () => {
    expect(userCaller("u1")).toEqual({ kind: "user", userId: "u1" });
    expect(userCaller("u1", "s1")).toEqual({ kind: "user", userId: "u1", sessionId: "s1" });
    expect(token(["read"])).toMatchObject({ kind: "token", userId: "u1", scopes: ["read"] });
    expect(clusterCaller("c1")).toEqual({ kind: "cluster", clusterId: "c1" });
    expect(systemCaller("runner-tick")).toEqual({ kind: "system", job: "runner-tick" });
  });

  it("requireUser: a session always, a token within its scopes, never a machine", () => {
    expect(requireUser(userCaller("u1", "s1"), "write")).toEqual({ userId: "u1", sessionId: "s1" });
    expect(requireUser(token(["read"]), "read")).toEqual({ userId: "u1" });
    expect(requireUser(token(["write"]), "read")).toEqual({ userId: "u1" }); // write includes read
    expect(kindOf(() => requireUser(token(["read"]), "write"))).toBe("forbidden");
    expect(kindOf(() => requireUser(token([]), "read"))).toBe("forbidden");
    expect(kindOf(() => requireUser(null, "read"))).toBe("unauthenticated");
    expect(kindOf(() => requireUser(clusterCaller("c1"), "read"))).toBe("forbidden");
    expect(kindOf(() => requireUser(systemCaller("x"), "read"))).toBe("forbidden");
    expect(callerMayAct(userCaller("u1"), "write")).toBe(true);
  });

  it("requireSystem and requireClusterOrSystem refuse people", () => {
    const people: Caller[] = [userCaller("u1"), token(["read", "write"])];
    for (const p of people) {
      expect(kindOf(() => requireSystem(p))).toBe("forbidden");
      expect(kindOf(() => requireClusterOrSystem(p))).toBe("forbidden");
      expect(kindOf(() => requirePerson(p))).toBe("ok");
    }
    expect(kindOf(() => requireSystem(null))).toBe("unauthenticated");
    expect(kindOf(() => requireSystem(clusterCaller("c1")))).toBe("forbidden");
    expect(kindOf(() => requireSystem(systemCaller("x")))).toBe("ok");
    expect(kindOf(() => requireClusterOrSystem(clusterCaller("c1")))).toBe("ok");
    expect(kindOf(() => requireClusterOrSystem(systemCaller("x")))).toBe("ok");
  });
});
