// One look at a page as the browser suites check every view they touch: at 360 and 1280 px wide
// no horizontal overflow, axe finds no violations, and a full-page screenshot
// `<shots>/<prefix>-<name>-<width>.png` for a person to look at. The page is left at 360 px.
// Each finding is an assertion: the first one that fails ends the test calling it.
import assert from "node:assert/strict";
import path from "node:path";
import type { Page } from "playwright-core";
import { AxeBuilder } from "@axe-core/playwright";

export const WIDTHS = [360, 1280] as const;

/** Returns `look(page, name)`, which asserts its findings. */
export function looker(shots: string, prefix: string): (page: Page, name: string) => Promise<void> {
  return async (page, name) => {
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 800 });
      await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
      const sizes = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
      const wide = sizes[0]! <= sizes[1]! ? [] : await widerThanPage(page);
      assert.ok(sizes[0]! <= sizes[1]!,
        `${name} at ${width} px: no horizontal overflow (scrollWidth ${sizes[0]}, clientWidth ${sizes[1]}; widest: ${wide.join(", ")})`);
      await page.screenshot({ path: path.join(shots, `${prefix}-${name}-${width}.png`), fullPage: true });
      const results = await new AxeBuilder({ page }).analyze();
      assert.deepEqual(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`), [],
        `axe finds no violations on ${name} at ${width} px`);
    }
    await page.setViewportSize({ width: 360, height: 800 });
  };
}

/**
 * The innermost elements (through shadow roots) whose right edge passes the page's width. A
 * string, so the bundler's helpers (tsx names nested functions) stay out of the page.
 */
function widerThanPage(page: Page): Promise<string[]> {
  return page.evaluate(`(() => {
    const limit = document.documentElement.clientWidth;
    const found = [];
    const stack = [document];
    while (stack.length > 0 && found.length < 5) {
      for (const el of Array.from(stack.pop().querySelectorAll("*"))) {
        if (el.shadowRoot) stack.push(el.shadowRoot);
        const past = (node) => node.getBoundingClientRect().right > limit + 0.5;
        if (past(el) && !Array.from(el.children).some(past) && found.length < 5) {
          found.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + "." +
            (el.getAttribute("class") || "").replace(/ /g, ".") + " (" + Math.round(el.getBoundingClientRect().right) + ")");
        }
      }
    }
    return found;
  })()`);
}
