import type { Metadata, Viewport } from "next";
import { cookies } from "next/headers";
import { NavigationProgress } from "@/components/ui/navigation-progress";
import { SearchShortcut } from "@/components/ui/filters";
import { Toaster } from "@/components/ui/toast";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Apolo Console", template: "%s · Apolo Console" },
  description: "Organizations, clusters and shared credits on Apolo.",
  // app/icon.svg is the mark; public/ holds the rest, rendered from it by scripts/generate-icons.ts. Listed here
  // in full: a config `icons` replaces the link Next would add for app/icon.svg.
  icons: {
    icon: [
      { url: "/favicon.ico", sizes: "16x16 32x32 48x48" },
      { url: "/icon.svg", type: "image/svg+xml" },
    ],
    apple: "/apple-touch-icon.png",
  },
  manifest: "/manifest.webmanifest",
};

export const viewport: Viewport = { width: "device-width", initialScale: 1 };

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  // Reading the cookie also makes every page dynamic, which the CSP nonce needs.
  const theme = (await cookies()).get("theme")?.value;
  return (
    <html lang="en" data-theme={theme === "light" || theme === "dark" ? theme : undefined}>
      <body className="min-h-dvh">
        {/* The first stop of Tab on every page: jumps past the header to the page's <main id="content">. */}
        <a
          href="#content"
          data-testid="skip-link"
          className="sr-only rounded-md border border-border-strong bg-canvas px-3 py-2 text-sm font-medium text-fg shadow-lg focus:not-sr-only focus:fixed focus:top-2 focus:left-2 focus:z-[100] focus:px-3 focus:py-2"
        >
          Skip to content
        </a>
        <SearchShortcut />
        <NavigationProgress />
        <Toaster>{children}</Toaster>
      </body>
    </html>
  );
}
