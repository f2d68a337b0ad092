// The public surface of lib/billing: app/ and scripts/ import from here, never from the files inside.
export * from "./credits-view";
export * from "./grants";
export * from "./ledger";
export * from "./org-credit-settings";
export * from "./payments";
export * from "./quotas";
export { StripeProvider, stripeFromConfig, type StripeClientOptions, type WebhookResult } from "./stripe";
export type { CompletionInput } from "./settlement";
export * from "./top-ups";
// System-only operations (lib/core/caller.ts requireSystem): for the Stripe webhook route.
export * as internal from "./internal";
export * from "./member-credits";
export * from "./projection";
export {
  autoTopUpSettingsSchema,
  getAutoTopUp,
  setAutoTopUp,
  startCardSetup,
  type AutoTopUpView,
  type AutoTopUpPaymentView,
} from "./auto-topup";
export * from "./projection-view";
