"use client";

import { useSearchParams } from "next/navigation";
import { useState, useTransition, type ReactNode } from "react";
import { saveAutoTopUpAction, startCardSetupAction } from "@/app/actions";
import { Badge } from "@/components/admin/badge";
import { Button } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { cn } from "@/components/ui/cn";
import { Dialog, DialogContent } from "@/components/ui/dialog";
import { FieldFrame, FormMessage, inputClass, Label } from "@/components/ui/field";
import { Switch } from "@/components/ui/switch";
import { useToast } from "@/components/ui/toast";
import type { AutoTopUpPaymentView, AutoTopUpView } from "@/lib/billing";
import { compareCredits, creditUnits, formatCredits, isCreditAmount } from "@/lib/core/credits-amount";
import { MAX_LENGTH } from "@/lib/core/limits";
import { formatMinorUnits, priceInMinorUnits } from "@/lib/core/money";

/** What the form offers before an admin saved settings once. */
const SUGGESTED = { threshold: "50", amount: "100", monthlyCap: "1000" };

type Fields = "enabled" | "threshold" | "amount" | "monthlyCap";
type Errors = Partial<Record<Fields | "_form", string[]>>;

const dateTime = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });
const dateOnly = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeZone: "UTC" });

/** "20.00000000" → "20", "1234.50000000" → "1234.50": what an input shows (no grouping, no zero decimals). */
function plain(value: string | null): string | null {
  if (value === null) return null;
  return formatCredits(value).replace(/,/g, "").replace(/\.00$/, "");
}

/**
 * Settings → General: "When the balance falls below X, add Y", a monthly cap, on/off. Admins edit it (the
 * server decides: canEdit only mirrors lib's answer), managers see it read-only. Turning it off asks first.
 */
export function AutoTopUpCard({
  org,
  view,
  price,
  currency,
}: {
  org: string;
  view: AutoTopUpView;
  /** appConfig().pricing: the price of one credit and its currency. */
  price: string;
  currency: string;
}) {
  const [enabled, setEnabled] = useState(view.enabled);
  const [threshold, setThreshold] = useState(plain(view.threshold) ?? SUGGESTED.threshold);
  const [amount, setAmount] = useState(plain(view.amount) ?? SUGGESTED.amount);
  const [monthlyCap, setMonthlyCap] = useState(plain(view.monthlyCap) ?? SUGGESTED.monthlyCap);
  const [errors, setErrors] = useState<Errors>({});
  const [message, setMessage] = useState<string>();
  const [confirmOff, setConfirmOff] = useState(false);
  const [pending, startTransition] = useTransition();
  const toast = useToast();
  const readOnly = !view.canEdit;
  const stripe = view.provider === "stripe";

  const cost = isCreditAmount(amount.trim())
    ? `${formatMinorUnits(priceInMinorUnits(amount.trim(), price, currency), currency)} ${currency.toUpperCase()}`
    : null;

  function save() {
    startTransition(async () => {
      const r = await saveAutoTopUpAction(org, enabled, threshold.trim(), amount.trim(), monthlyCap.trim());
      setConfirmOff(false);
      if (r.ok) {
        setErrors({});
        setMessage(undefined);
        toast(
          !r.data.changed
            ? "Automatic top-up: nothing changed."
            : r.data.enabled
              ? `Automatic top-up is on: below ${formatCredits(threshold.trim())}, add ${formatCredits(amount.trim())} credits.`
              : "Automatic top-up is off.",
        );
      } else {
        setErrors((r.fieldErrors as Errors | undefined) ?? {});
        // A message about one field shows under it; one about the whole form shows above the button.
        setMessage(r.fieldErrors && Object.keys(r.fieldErrors).some((k) => k !== "_form") ? undefined : r.message);
      }
    });
  }

  const edit = (field: Fields, set: (v: string) => void) => (e: { target: { value: string } }) => {
    set(e.target.value);
    if (errors[field]) setErrors({ ...errors, [field]: undefined });
  };

  return (
    <div id="auto-topup" className="scroll-mt-20">
      <Card>
        <CardHeader
          title="Automatic top-up"
          description="Adds credits by itself when the balance runs low, so running jobs aren't stopped."
          actions={
            <Badge tone={view.enabled ? "success" : view.disabledReason ? "danger" : "muted"} testId="auto-topup-state">
              {view.enabled ? "On" : "Off"}
            </Badge>
          }
        />
        <form
          data-testid="auto-topup-form"
          className="space-y-5 px-5 py-4"
          onSubmit={(e) => {
            e.preventDefault();
            if (readOnly) return;
            if (view.enabled && !enabled) setConfirmOff(true);
            else save();
          }}
        >
          {view.disabledReason && !view.enabled && (
            <div
              role="status"
              data-testid="auto-topup-disabled-reason"
              className="rounded-md border border-danger/30 bg-danger-soft px-4 py-3 text-sm text-danger"
            >
              <p className="font-medium">
                Automatic top-up was turned off
                {view.disabledAt ? ` on ${dateTime.format(view.disabledAt)} UTC` : ""}.
              </p>
              <p className="mt-0.5">{view.disabledReason}</p>
              <p className="mt-1 text-xs">
                {readOnly
                  ? "An admin can turn it on again once the cause is fixed."
                  : "Fix the cause (the card, or the monthly cap), then turn it on again and save."}
              </p>
            </div>
          )}
          {readOnly && (
            <p data-testid="auto-topup-read-only" className="text-sm text-muted">
              Only admins can change automatic top-up. You can see how it is set up.
            </p>
          )}
          {!readOnly && <CardStatusLine stripe={stripe} card={view.card} />}

          <div className="space-y-1.5">
            <div className="flex items-center gap-3">
              <Switch
                id="auto-topup-enabled"
                checked={enabled}
                onCheckedChange={(on) => {
                  setEnabled(on);
                  if (errors.enabled) setErrors({ ...errors, enabled: undefined });
                }}
                disabled={readOnly || pending}
                aria-describedby={errors.enabled ? "auto-topup-enabled-error" : undefined}
                aria-invalid={errors.enabled ? true : undefined}
              />
              <Label htmlFor="auto-topup-enabled">Top up automatically</Label>
            </div>
            {errors.enabled && (
              <ul id="auto-topup-enabled-error" data-testid="error-enabled" className="space-y-0.5 text-xs text-danger">
                {errors.enabled.map((e) => (
                  <li key={e}>{e}</li>
                ))}
              </ul>
            )}
          </div>

          <div className="grid gap-4 sm:grid-cols-3">
            <CreditsField
              label="When the balance falls below"
              name="threshold"
              value={threshold}
              onChange={edit("threshold", setThreshold)}
              disabled={readOnly}
              errors={errors.threshold}
              hint="From 0 to 1,000,000."
            />
            <CreditsField
              label="Add"
              name="amount"
              value={amount}
              onChange={edit("amount", setAmount)}
              disabled={readOnly}
              errors={errors.amount}
              hint={
                <span data-testid="auto-topup-price">
                  {cost ? `${cost} per top-up` : "From 1 to 100,000."}
                  {stripe ? ", charged to the saved card" : ""}
                </span>
              }
            />
            <CreditsField
              label="Monthly cap"
              name="monthlyCap"
              value={monthlyCap}
              onChange={edit("monthlyCap", setMonthlyCap)}
              disabled={readOnly}
              errors={errors.monthlyCap}
              hint="Automatic top-ups per calendar month (UTC), at least one top-up."
            />
          </div>

          {view.configured && <MonthUsage used={view.usedThisMonth} cap={view.monthlyCap} pending={view.pending} />}

          {stripe ? (
            <CardRow org={org} card={view.card} readOnly={readOnly} />
          ) : (
            <p
              data-testid="auto-topup-sandbox"
              className="rounded-md border border-border bg-subtle px-3 py-2 text-xs text-muted"
            >
              Sandbox: automatic top-ups complete at once; no money moves.
            </p>
          )}

          <FormMessage message={message} />
          {!readOnly && (
            <div className="flex justify-end">
              <Button type="submit" pending={pending} data-testid="auto-topup-save">
                Save automatic top-up
              </Button>
            </div>
          )}
        </form>
        <RecentTopUps recent={view.recent} />
      </Card>

      <Dialog open={confirmOff} onOpenChange={(o) => !pending && setConfirmOff(o)}>
        <DialogContent
          title="Turn off automatic top-up?"
          description="The balance won't be topped up by itself any more: when it runs out, running jobs stop and new ones can't start until someone tops up."
        >
          <div className="flex justify-end gap-2">
            <Button variant="secondary" onClick={() => setConfirmOff(false)} disabled={pending}>
              Keep it on
            </Button>
            <Button variant="danger" pending={pending} onClick={save} data-testid="auto-topup-confirm-off">
              Turn off
            </Button>
          </div>
        </DialogContent>
      </Dialog>
    </div>
  );
}

/** A credit amount input with a "credits" suffix, its label, hint and the server's messages. */
function CreditsField({
  label,
  name,
  value,
  onChange,
  disabled,
  errors,
  hint,
}: {
  label: string;
  name: Fields;
  value: string;
  onChange: (e: { target: { value: string } }) => void;
  disabled: boolean;
  errors?: string[];
  hint: ReactNode;
}) {
  return (
    <FieldFrame label={label} name={name} errors={errors} hint={hint}>
      {({ id, invalid, describedBy }) => (
        <div className="relative">
          <input
            id={id}
            name={name}
            inputMode="decimal"
            autoComplete="off"
            maxLength={MAX_LENGTH.creditAmount}
            value={value}
            onChange={onChange}
            disabled={disabled}
            aria-invalid={invalid || undefined}
            aria-describedby={describedBy}
            className={inputClass(invalid, "pr-16 tabular-nums disabled:cursor-not-allowed disabled:bg-subtle")}
          />
          <span
            aria-hidden
            className="pointer-events-none absolute inset-y-0 right-3 flex items-center text-xs text-muted"
          >
            credits
          </span>
        </div>
      )}
    </FieldFrame>
  );
}

/** "Used this month: 100.00 of 500.00 credits", with a bar (the ratio from exact units, for display only). */
function MonthUsage({ used, cap, pending }: { used: string; cap: string | null; pending: boolean }) {
  const capUnits = cap ? creditUnits(cap) : 0n;
  const percent = capUnits > 0n ? Math.min(100, Number((creditUnits(used) * 100n) / capUnits)) : 0;
  const full = cap !== null && compareCredits(used, cap) >= 0;
  return (
    <div className="space-y-1.5" data-testid="auto-topup-usage">
      <div className="flex flex-wrap items-baseline justify-between gap-x-3 gap-y-0.5 text-sm">
        <span className="text-muted">Used this month</span>
        <span className="tabular-nums">
          <span className="font-medium">{formatCredits(used)}</span>
          {cap !== null && <span className="text-muted"> of {formatCredits(cap)} credits</span>}
          {pending && <span className="text-muted"> · a top-up is on its way</span>}
        </span>
      </div>
      {cap !== null && (
        <div
          role="progressbar"
          aria-label="Automatic top-ups this month"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={percent}
          className="h-1.5 overflow-hidden rounded-full bg-subtle"
        >
          <div
            className={cn("h-full rounded-full", full ? "bg-danger" : "bg-accent")}
            style={{ width: `${percent}%` }}
          />
        </div>
      )}
    </div>
  );
}

/** Stripe: the saved card, and a button that saves one (or another) through Checkout in setup mode. */
function CardRow({ org, card, readOnly }: { org: string; card: AutoTopUpView["card"]; readOnly: boolean }) {
  const [pending, startTransition] = useTransition();
  const toast = useToast();
  return (
    <div
      data-testid="auto-topup-card"
      className="flex flex-wrap items-center justify-between gap-3 rounded-md border border-border px-3 py-2.5"
    >
      <div className="min-w-0 text-sm">
        {card ? (
          <>
            <p className="font-medium">{card.label ?? "Card saved"}</p>
            <p className="text-xs text-muted">Saved {dateOnly.format(card.savedAt)}; automatic top-ups charge it.</p>
          </>
        ) : (
          <>
            <p className="font-medium">No card saved</p>
            <p className="text-xs text-muted">Automatic top-ups charge a card saved with Stripe.</p>
          </>
        )}
      </div>
      {!readOnly && (
        <Button
          variant="secondary"
          size="sm"
          pending={pending}
          data-testid="auto-topup-save-card"
          onClick={() =>
            startTransition(async () => {
              const r = await startCardSetupAction(org);
              if (r && !r.ok) toast(r.message, "error");
            })
          }
        >
          {card ? "Replace card" : "Save a card"}
        </Button>
      )}
    </div>
  );
}

/** Back from Stripe's Checkout (`?card=saved` or `?card=cancelled`): what happened to the card. */
function CardStatusLine({ stripe, card }: { stripe: boolean; card: AutoTopUpView["card"] }) {
  const status = useSearchParams().get("card");
  if (!stripe || (status !== "saved" && status !== "cancelled")) return null;
  return (
    <p
      role="status"
      data-testid="auto-topup-card-status"
      className="rounded-md border border-border bg-subtle px-3 py-2 text-sm"
    >
      {status === "cancelled"
        ? "Saving a card was cancelled; nothing changed."
        : card
          ? `Card saved${card.label ? `: ${card.label}` : ""}. Turn automatic top-up on and save to use it.`
          : "Stripe is confirming your card: it appears here in a moment (reload the page)."}
    </p>
  );
}

const STATUS: Record<
  AutoTopUpPaymentView["status"],
  { label: string; tone: "success" | "accent" | "danger" | "muted" }
> = {
  paid: { label: "Paid", tone: "success" },
  pending: { label: "Pending", tone: "accent" },
  failed: { label: "Failed", tone: "danger" },
  cancelled: { label: "Cancelled", tone: "muted" },
};

/** The last automatic top-ups (at most 5), newest first, with their status and reference or failure. */
function RecentTopUps({ recent }: { recent: AutoTopUpPaymentView[] }) {
  return (
    <div className="border-t border-border px-5 py-4">
      <h3 className="text-sm font-medium">Recent automatic top-ups</h3>
      {recent.length === 0 ? (
        <p className="mt-1 text-sm text-muted">None yet.</p>
      ) : (
        <ul className="mt-2 divide-y divide-border text-sm" aria-label="Recent automatic top-ups">
          {recent.map((p) => (
            <li
              key={p.id}
              data-testid="auto-topup-recent"
              className="grid grid-cols-[1fr_auto] items-center gap-x-3 gap-y-0.5 py-2 sm:grid-cols-[12rem_7rem_6rem_1fr]"
            >
              <time dateTime={p.createdAt.toISOString()} className="text-muted">
                {dateTime.format(p.createdAt)}
              </time>
              <span className="text-right font-medium text-success tabular-nums sm:text-left">
                +{formatCredits(p.credits)}
              </span>
              <span>
                <Badge tone={STATUS[p.status].tone}>{STATUS[p.status].label}</Badge>
              </span>
              <span
                className={cn(
                  "min-w-0 text-xs [overflow-wrap:anywhere] sm:text-right",
                  p.failureReason ? "text-danger" : "text-muted",
                )}
              >
                {p.failureReason ?? (p.ref ? <code className="font-mono">{p.ref}</code> : "Sandbox")}
              </span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
