"use client";

import { useEffect, useRef, useState } from "react";
import { checkOrgNameAction } from "@/app/actions";
import { cn } from "@/components/ui/cn";

export type NameCheck =
  | { state: "idle" }
  | { state: "checking"; name: string }
  | { state: "available" | "taken" | "reserved" | "invalid" | "current" | "error"; name: string; message: string };

/**
 * Asks the server whether a URL name is free, 350 ms after the last keystroke (an answer for an older value is
 * dropped). With `org`, for renaming that org. A hint only: the create and the rename check again.
 */
export function useOrgNameCheck(name: string, org?: string): NameCheck {
  type Answer = Exclude<NameCheck, { state: "idle" | "checking" }>;
  const [answer, setAnswer] = useState<Answer | null>(null);
  const seq = useRef(0);
  useEffect(() => {
    const n = ++seq.current;
    if (!name) return;
    const timer = setTimeout(async () => {
      try {
        const r = await checkOrgNameAction(name, org);
        if (n !== seq.current) return;
        setAnswer(
          r.ok ? { state: r.data.status, name, message: r.data.message } : { state: "error", name, message: r.message },
        );
      } catch {
        if (n === seq.current) setAnswer({ state: "error", name, message: "Couldn't check this name just now." });
      }
    }, 350);
    return () => clearTimeout(timer);
  }, [name, org]);
  if (!name) return { state: "idle" };
  return answer && answer.name === name ? answer : { state: "checking", name };
}

/** The check's answer under the field, announced politely to screen readers. */
export function OrgNameStatus({ check, id }: { check: NameCheck; id?: string }) {
  const tone =
    check.state === "available"
      ? "text-success"
      : check.state === "taken" || check.state === "reserved" || check.state === "invalid"
        ? "text-danger"
        : "text-muted";
  return (
    <p
      id={id}
      aria-live="polite"
      data-testid="org-name-status"
      data-state={check.state}
      className={cn("min-h-4 text-xs", tone)}
    >
      {check.state === "checking" ? (
        "Checking…"
      ) : check.state === "idle" ? (
        ""
      ) : (
        <>
          <span aria-hidden className="mr-1">
            {check.state === "available" ? "✓" : check.state === "current" || check.state === "error" ? "" : "✕"}
          </span>
          {check.message}
        </>
      )}
    </p>
  );
}
