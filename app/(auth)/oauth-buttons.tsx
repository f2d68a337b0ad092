import { buttonClass } from "@/components/ui/button-class";
import { OAUTH_LABELS, oauthProvidersFromEnv } from "@/lib/core";
import { oauthSignInAction } from "./signin/actions";

/** GitHub / Google buttons: rendered only for providers whose client id and secret are set. */
export function OAuthButtons({ callbackUrl }: { callbackUrl: string }) {
  const providers = oauthProvidersFromEnv(process.env);
  if (providers.length === 0) return null;
  return (
    <div className="space-y-2" data-testid="oauth-providers">
      {providers.map((p) => (
        <form key={p.id} action={oauthSignInAction}>
          <input type="hidden" name="provider" value={p.id} />
          <input type="hidden" name="callbackUrl" value={callbackUrl} />
          <button type="submit" className={buttonClass("secondary", "md", "w-full")}>
            Continue with {OAUTH_LABELS[p.id]}
          </button>
        </form>
      ))}
      <div className="flex items-center gap-3 py-2 text-xs text-muted">
        <span className="h-px flex-1 bg-border" />
        or
        <span className="h-px flex-1 bg-border" />
      </div>
    </div>
  );
}
