import { describe, expect, it } from "vitest";
import { jobStatusText } from "./job-status";

describe("jobStatusText", () => {
  it("reads a running job as Running, whatever reason is left over", () => {
    expect(jobStatusText({ status: "running", stopReason: null })).toBe("Running");
    expect(jobStatusText({ status: "running", stopReason: "QuotaExhausted" })).toBe("Running");
  });

  it("names who stopped a job when known", () => {
    expect(jobStatusText({ status: "stopped", stopReason: "UserStopped", stoppedBy: "tom" })).toBe("Stopped by tom");
    expect(jobStatusText({ status: "stopped", stopReason: "UserStopped" })).toBe("Stopped by a user");
    expect(jobStatusText({ status: "stopped", stopReason: "UserStopped", stoppedBy: null })).toBe("Stopped by a user");
  });

  it("turns Apolo's stop reasons into words", () => {
    expect(jobStatusText({ status: "stopped", stopReason: "QuotaExhausted" })).toBe("Stopped: credits ran out");
    expect(jobStatusText({ status: "stopped", stopReason: "ClusterRemoved" })).toBe("Stopped: cluster removed");
    expect(jobStatusText({ status: "stopped", stopReason: "OrgDeleted" })).toBe("Stopped: organization closed");
  });

  it("keeps an unknown reason visible and says Stopped without one", () => {
    expect(jobStatusText({ status: "stopped", stopReason: "NodeLost" })).toBe("Stopped: NodeLost");
    expect(jobStatusText({ status: "stopped", stopReason: null })).toBe("Stopped");
  });
});
