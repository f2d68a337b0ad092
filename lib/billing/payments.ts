/** Payment providers behind one interface: the built-in sandbox (default) or Stripe Checkout. */
import { formatMinorUnits } from "../core/money";

export interface CheckoutRequest {
  paymentId: string;
  orgName: string;
  payerEmail: string | null;
  credits: string;
  amountMinor: number;
  currency: string;
  successUrl: string;
  cancelUrl: string;
}

/** Stripe only: a Checkout Session in setup mode that saves a card for automatic top-ups. */
export interface CardSetupRequest {
  orgId: string;
  orgName: string;
  /** The org's Stripe customer, once created (org_auto_topups.stripe_customer_id); null: create it. */
  customerId: string | null;
  successUrl: string;
  cancelUrl: string;
}

/** Stripe only: an off-session charge of the saved card for one automatic top-up payment. */
export interface SavedCardCharge {
  paymentId: string;
  orgName: string;
  customerId: string;
  paymentMethodId: string;
  credits: string;
  amountMinor: number;
  currency: string;
}

/**
 * The outcome of a saved-card charge: accepted (the webhook credits it), in flight elsewhere (another worker's
 * identical request, same idempotency key: `ref` may be null; the webhook or a later charge settles it), or
 * declined, with the reason to show.
 */
export type SavedCardResult =
  { ok: true; ref: string | null; status: string } | { ok: false; reason: string; ref: string | null };

export interface PaymentProvider {
  readonly kind: "sandbox" | "stripe";
  /** Starts a checkout; returns where to send the payer and the provider's reference for it. */
  createCheckout(req: CheckoutRequest): Promise<{ url: string; ref: string | null }>;
  /** Stripe: saves a card (Checkout in setup mode); returns where to send the admin and the org's customer id. */
  createCardSetup?(req: CardSetupRequest): Promise<{ url: string; customerId: string }>;
  /** Stripe: charges the saved card off-session (automatic top-up). Throws only when the outcome is unknown. */
  chargeSaved?(req: SavedCardCharge): Promise<SavedCardResult>;
  /**
   * Stripe: cancels an automatic top-up's PaymentIntent that stayed pending too long. True when it can no longer
   * succeed (cancelled now, already cancelled, or unknown to Stripe); false when it succeeded or is processing
   * (the webhook settles it). Throws only when the outcome is unknown.
   */
  cancelSaved?(ref: string): Promise<boolean>;
  /** Stripe: a readable label of a saved payment method ("visa •••• 4242"), null when unknown. */
  describePaymentMethod?(paymentMethodId: string): Promise<string | null>;
}

/** No money moves: the console's own checkout page, whose Pay completes the payment like a webhook would. */
export class SandboxProvider implements PaymentProvider {
  readonly kind = "sandbox";
  constructor(private readonly appUrl: string) {}
  async createCheckout(req: CheckoutRequest) {
    return { url: `${this.appUrl}/orgs/${req.orgName}/credits/checkout/${req.paymentId}`, ref: null };
  }
}

/** CREDIT_PRICE and CREDIT_CURRENCY, parsed by lib/core/config.ts `parseConfig` (AppConfig.pricing). */
export interface Pricing {
  /** Price of one credit, a decimal string in the currency's major unit ("1.00"). */
  pricePerCredit: string;
  /** ISO 4217, lowercase ("usd"). */
  currency: string;
}

/** "12.50" from 1250 minor units in usd, "1250" in jpy, "1.250" in kwd: the currency's own minor unit. */
export function formatMinor(amountMinor: number, currency: string): string {
  return formatMinorUnits(amountMinor, currency);
}
