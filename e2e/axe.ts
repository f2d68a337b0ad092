import AxeBuilder from "@axe-core/playwright";
import { test as base, expect, type Page } from "@playwright/test";

/**
 * Accessibility in every run (issue 14): specs import `test` and `expect` from here instead of @playwright/test.
 * When a test ends (passed), the page it was on is scanned by axe in light and dark; a serious or critical
 * violation fails the test. `scanA11y(page)` scans on demand (an open dialog, a page in the middle of a test).
 */
export async function scanA11y(page: Page, label = "") {
  if (page.isClosed() || !page.url().startsWith("http")) return;
  const failures: string[] = [];
  for (const colorScheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme });
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
  expect(failures, `axe on ${label || page.url()}`).toEqual([]);
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
