import { NavLinks } from "@/components/console/nav-links";

/** The Account pages' tabs: the profile and sign-in page, and the API tokens page. */
export function AccountTabs() {
  return (
    <NavLinks
      variant="tabs"
      label="Account"
      items={[
        { href: "/account", label: "Profile and sign-in" },
        { href: "/account/tokens", label: "Tokens" },
      ]}
    />
  );
}
