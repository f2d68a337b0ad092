import "server-only";
import { headers } from "next/headers";
import { getDb } from "@/db";
import { publicBaseUrl } from "@/lib/config";
import { OutboxMailer, SmtpMailer, type Mailer } from "@/lib/mail";
import { pricingFromEnv, SandboxProvider, type PaymentProvider } from "@/lib/payments";
import type { Services } from "@/lib/services";
import { stripeFromEnv, type StripeProvider } from "@/lib/stripe";
import { rateLimitStore } from "./deps";

const holder = globalThis as unknown as { __apoloMailer?: Mailer; __apoloStripe?: StripeProvider | null };

/** SMTP when SMTP_URL is set; otherwise the outbox table, printed to the log in development. */
async function mailer(): Promise<Mailer> {
  if (!holder.__apoloMailer) {
    holder.__apoloMailer = process.env.SMTP_URL
      ? new SmtpMailer(process.env.SMTP_URL, process.env.MAIL_FROM || "Apolo Console <no-reply@localhost>")
      : new OutboxMailer(await getDb(), process.env.NODE_ENV !== "production");
  }
  return holder.__apoloMailer;
}

/** The console's public URL, for mail links and payment return URLs (see lib/config.ts `publicBaseUrl`). */
export async function appUrl(): Promise<string> {
  return publicBaseUrl(await headers());
}

/** `appUrl` can be given where there is no request (the embedded runner). */
export async function services(opts: { appUrl?: string } = {}): Promise<Services> {
  return { mailer: await mailer(), appUrl: opts.appUrl ?? (await appUrl()), limiter: rateLimitStore() };
}

/** Stripe when STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET are set (lib/stripe.ts), else the sandbox. */
export function paymentProvider(appUrl: string): PaymentProvider {
  if (holder.__apoloStripe === undefined) holder.__apoloStripe = stripeFromEnv(process.env);
  return holder.__apoloStripe ?? new SandboxProvider(appUrl);
}

/** What a top-up needs: the payment provider and the price of a credit from configuration. */
export async function paymentServices() {
  const svc = await services();
  return { ...svc, provider: paymentProvider(svc.appUrl), pricing: pricingFromEnv() };
}
