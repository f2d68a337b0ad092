import { SandboxProvider, stripeFromConfig, type PaymentProvider, type StripeProvider } from "@/lib/billing";
import type { SecretsServices, Services } from "@/lib/core";
import { publicBaseUrl } from "@/lib/core";
import type { MailQueue } from "@/lib/mail";
import { headers } from "next/headers";
import "server-only";
import { appConfig } from "./config";
import { rateLimitStore } from "./deps";
import { secretsKey } from "./secrets";
import { wakeMailWorker } from "./runner";

const holder = globalThis as unknown as { __apoloStripe?: StripeProvider | null; __apoloSecretsKey?: Buffer };

/** Operations queue their mail in the outbox; after their commit the mail worker is woken (nobody waits for it). */
const mailer: MailQueue = { committed: () => wakeMailWorker() };

/** The console's public URL, for mail links and payment return URLs (see lib/core/config.ts `publicBaseUrl`). */
export async function appUrl(): Promise<string> {
  return publicBaseUrl(await headers(), appConfig());
}

/** `appUrl` can be given where there is no request (the embedded runner). */
export async function services(opts: { appUrl?: string } = {}): Promise<Services & SecretsServices> {
  return {
    mailer,
    appUrl: opts.appUrl ?? (await appUrl()),
    limiter: rateLimitStore(),
    secretsKey: (holder.__apoloSecretsKey ??= secretsKey(appConfig().secretsKey)),
  };
}

/** Stripe when STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET are set (lib/billing/stripe.ts), else the sandbox. */
export function paymentProvider(appUrl: string): PaymentProvider {
  if (holder.__apoloStripe === undefined) holder.__apoloStripe = stripeFromConfig(appConfig());
  return holder.__apoloStripe ?? new SandboxProvider(appUrl);
}

/** What a top-up needs: the payment provider and the price of a credit from configuration. */
export async function paymentServices() {
  const svc = await services();
  return { ...svc, provider: paymentProvider(svc.appUrl), pricing: appConfig().pricing };
}
