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

export interface PaymentProvider {
  readonly kind: "sandbox" | "stripe";
  /** Starts a checkout; returns where to send the payer and the provider's reference for it. */
  createCheckout(req: CheckoutRequest): Promise<{ url: string; ref: string | null }>;
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
