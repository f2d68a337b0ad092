import AxeBuilder from "@axe-core/playwright";
import { expect, type Page } from "@playwright/test";
import { test as base } from "./helpers";

/**
 * Accessibility in every run (issue 14): specs import `test` and `expect` from here instead of @playwright/test
 * (this `test` is e2e/helpers.ts's, with its per-test client address). When a test ends (passed), the page it
 * was on is scanned by axe in light and dark; a serious or critical violation fails the test. `scanA11y(page)`
 * scans on demand (an open dialog, a page in the middle of a test). A test that deliberately ends on a broken
 * state opts out with `skipAxe("why")`.
 */
export async function scanA11y(page: Page, label = "") {
  if (page.isClosed() || !page.url().startsWith("http")) return;
  await settle(page);
  const failures: string[] = [];
  for (const colorScheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme });
    // Buttons and links animate their colours (transition-colors): let them finish, or contrast is measured
    // half-way between the themes.
    await page.waitForTimeout(250);
    const result = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
    for (const v of result.violations) {
      if (v.impact !== "serious" && v.impact !== "critical") continue;
      const where = v.nodes
        .slice(0, 3)
        .map((n) => n.target.join(" "))
        .join(" | ");
      failures.push(`[${colorScheme}] ${v.id} (${v.impact}): ${v.help} — ${where}`);
    }
  }
  await page.emulateMedia({ colorScheme: null });
  // A11Y_REPORT_ONLY=1 lists the violations of a whole run instead of stopping at the first page that has one.
  if (process.env.A11Y_REPORT_ONLY && failures.length) {
    console.log(`A11Y ${label || page.url()}\n  ${failures.join("\n  ")}`);
    return;
  }
  expect(failures, `axe on ${label || page.url()}`).toEqual([]);
}

/** The page has loaded and React is done: no "Loading…" transition or navigation in flight. */
async function settle(page: Page) {
  await page.waitForLoadState("load").catch(() => {});
  // A client navigation or transition may still be rendering: wait (briefly) for the DOM to stop changing.
  await page
    .waitForFunction(
      () =>
        new Promise<boolean>((resolve) => {
          let last = document.body?.innerHTML.length ?? 0;
          let calm = 0;
          const tick = () => {
            const now = document.body?.innerHTML.length ?? 0;
            calm = now === last ? calm + 1 : 0;
            last = now;
            if (calm >= 3) resolve(true);
            else setTimeout(tick, 100);
          };
          setTimeout(tick, 100);
        }),
      undefined,
      { timeout: 5_000 },
    )
    .catch(() => {});
}

/**
 * Opts the current test out of the scan at its end, with a reason (shown in the report): only for a test that
 * deliberately ends on a broken state (a raw error answer, a page without its styles). Dialogs and pages in the
 * middle of the test can still be scanned with scanA11y.
 */
export function skipAxe(reason: string) {
  if (!reason.trim()) throw new Error("skipAxe needs a reason");
  test.info().annotations.push({ type: "skip-axe", description: reason });
}

export const test = base.extend<{ axeAfterEach: void }>({
  axeAfterEach: [
    async ({ page }, use, testInfo) => {
      await use();
      if (testInfo.status === "passed" && !testInfo.annotations.some((a) => a.type === "skip-axe")) {
        await scanA11y(page);
      }
    },
    { auto: true },
  ],
});

export { expect };
