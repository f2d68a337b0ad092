"use client";

import { useId, useState } from "react";
import { grantCreditsAction } from "@/app/actions";
import { Button } from "@/components/ui/button";
import { cn } from "@/components/ui/cn";
import { Field, FormMessage } from "@/components/ui/field";
import { useFormAction } from "@/components/ui/use-form-action";

type Mode = "add" | "set";

const MODES: { value: Mode; label: string; hint: string }[] = [
  { value: "add", label: "Add credits", hint: "Adds to the current balance." },
  { value: "set", label: "Set balance", hint: "The ledger records the difference." },
];

/** Grants credits without payment: add to an org's balance, or set it to an amount. */
export function GrantCreditsForm({ initialOrg, knownOrgs }: { initialOrg: string; knownOrgs: string[] }) {
  const id = useId();
  const [mode, setMode] = useState<Mode>("add");
  const [last, setLast] = useState<{ org: string; balance: string } | null>(null);
  const { state, errors, pending, onSubmit } = useFormAction(grantCreditsAction, (r, form) => {
    if (r.result) setLast(r.result);
    // Keep the org for another grant; clear what would be granted twice by accident.
    for (const name of ["amount", "note"]) (form.elements.namedItem(name) as HTMLInputElement).value = "";
  });
  return (
    <form noValidate onSubmit={onSubmit} className="max-w-lg space-y-4" data-testid="grant-form">
      <FormMessage message={state?.message} />
      <Field
        label="Organization name"
        name="org"
        required
        autoComplete="off"
        spellCheck={false}
        placeholder="acme-research"
        defaultValue={initialOrg}
        list={knownOrgs.length ? `${id}-orgs` : undefined}
        errors={errors.org}
      />
      {knownOrgs.length > 0 && (
        <datalist id={`${id}-orgs`}>
          {knownOrgs.slice(0, 500).map((o) => (
            <option key={o} value={o} />
          ))}
        </datalist>
      )}
      <fieldset className="space-y-1.5">
        <legend className="text-sm font-medium">What to do</legend>
        <div className="grid gap-2 sm:grid-cols-2">
          {MODES.map((m) => (
            <label
              key={m.value}
              className={cn(
                "flex cursor-pointer items-start gap-2.5 rounded-md border px-3 py-2.5 text-sm",
                mode === m.value ? "border-accent bg-accent-soft" : "border-border-strong hover:bg-hover",
              )}
            >
              <input
                type="radio"
                name="mode"
                value={m.value}
                checked={mode === m.value}
                onChange={() => setMode(m.value)}
                className="mt-0.5 accent-accent"
              />
              <span>
                <span className="block font-medium">{m.label}</span>
                <span className="block text-xs text-muted">{m.hint}</span>
              </span>
            </label>
          ))}
        </div>
        {errors.mode && <p className="text-xs text-danger">{errors.mode.join(" ")}</p>}
      </fieldset>
      <Field
        label={mode === "add" ? "Credits to add" : "New balance"}
        name="amount"
        required
        inputMode="decimal"
        autoComplete="off"
        placeholder={mode === "add" ? "100" : "0"}
        hint="At most two decimals."
        errors={errors.amount}
      />
      <Field
        label="Note (optional)"
        name="note"
        autoComplete="off"
        maxLength={200}
        placeholder="Research grant, Q3"
        hint="Shown in the org's ledger next to the grant."
        errors={errors.note}
      />
      <div className="flex flex-wrap items-center gap-3">
        <Button type="submit" pending={pending}>
          {pending ? "Granting…" : mode === "add" ? "Grant credits" : "Set balance"}
        </Button>
        {last && (
          <p className="text-sm text-muted" role="status" data-testid="grant-result">
            <span className="font-medium text-fg">{last.org}</span> balance:{" "}
            <span className="font-medium text-fg tabular-nums">{last.balance}</span> credits
          </p>
        )}
      </div>
    </form>
  );
}
