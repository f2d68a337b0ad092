"use client";

import { useState, useTransition } from "react";
import { topUpAction } from "@/app/actions";
import { Button } from "@/components/ui/button";
import { cn } from "@/components/ui/cn";
import { TriggeredDialog } from "@/components/ui/dialog";
import { useParamDialog } from "@/components/ui/use-url-state";
import { Field, FormMessage } from "@/components/ui/field";
import { MAX_LENGTH } from "@/lib/core/limits";
import { creditAmountSchema, TOP_UP_RANGE } from "@/lib/core/money";

const PRESETS = ["10", "100", "1000"];

/** The server's own check, run as the payer types: why an amount isn't allowed, or nothing. */
const amountSchema = creditAmountSchema(TOP_UP_RANGE.min, TOP_UP_RANGE.max, "Amount");
function amountProblem(amount: string): string | undefined {
  const r = amountSchema.safeParse(amount);
  return r.success ? undefined : r.error.issues[0]?.message;
}

/** 10 / 100 / 1000 or a custom amount; the server validates (≥ 1, ≤ 100,000, two decimals) and prices it. */
export function TopUpDialog({
  org,
  price,
  currency,
  sandbox,
}: {
  org: string;
  price: string;
  currency: string;
  sandbox: boolean;
}) {
  // The overview checklist links here with ?topup=1 (issue 14): the dialog opens at once.
  // Closing it drops the param, so a reload doesn't open it again.
  const [open, setOpen] = useParamDialog("topup");
  const [amount, setAmount] = useState("100");
  const [error, setError] = useState<string>();
  const [pending, startTransition] = useTransition();
  const problem = amountProblem(amount);
  // An empty field isn't scolded while the payer is still typing: the button stays off until there's an amount.
  const shown = error ?? (amount.trim() === "" ? undefined : problem);
  return (
    <TriggeredDialog
      open={open}
      onOpenChange={setOpen}
      trigger={<Button data-testid="top-up-open">Top up</Button>}
      title={`Top up ${org}`}
      description={`Credits go to the organization's shared balance. 1 credit = ${price} ${currency.toUpperCase()}.`}
    >
      <form
        className="space-y-4"
        onSubmit={(e) => {
          e.preventDefault();
          startTransition(async () => {
            const r = await topUpAction(org, amount.trim());
            if (r && !r.ok) setError(r.message);
          });
        }}
      >
        <div className="grid grid-cols-3 gap-2" role="group" aria-label="Amount presets">
          {PRESETS.map((p) => (
            <button
              key={p}
              type="button"
              aria-pressed={amount === p}
              onClick={() => setAmount(p)}
              className={cn(
                "rounded-md border px-3 py-2 text-sm font-medium tabular-nums",
                amount === p ? "border-accent bg-accent-soft text-accent" : "border-border-strong hover:bg-subtle",
              )}
            >
              {Number(p).toLocaleString("en")}
            </button>
          ))}
        </div>
        <Field
          label="Credits"
          name="credits"
          maxLength={MAX_LENGTH.creditAmount}
          inputMode="decimal"
          value={amount}
          onChange={(e) => {
            setAmount(e.target.value);
            setError(undefined);
          }}
          hint="From 1 to 100,000, at most two decimals."
          data-testid="top-up-amount"
          errors={shown ? [shown] : undefined}
        />
        {sandbox && (
          <p className="rounded-md border border-border bg-subtle px-3 py-2 text-xs text-muted">
            Payments run in sandbox mode: no money moves.
          </p>
        )}
        <FormMessage message={undefined} />
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={() => setOpen(false)} disabled={pending}>
            Cancel
          </Button>
          <Button type="submit" pending={pending} disabled={Boolean(problem)}>
            Continue to payment
          </Button>
        </div>
      </form>
    </TriggeredDialog>
  );
}
