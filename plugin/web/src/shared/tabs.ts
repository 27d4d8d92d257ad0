// The tabs of the portal and the therapist's dock, one behaviour for both (WAI-ARIA tabs pattern,
// automatic activation): the selected tab is the only one in the Tab order; Left/Right arrows move
// to the previous/next tab and wrap, Home/End to the first/last; moving also selects.
import { css } from "lit";

/** The tab a key moves to from `current`, or undefined for a key tabs do not handle. */
export function tabAfterKey<T>(tabs: readonly T[], current: T, key: string): T | undefined {
  const index = Math.max(0, tabs.indexOf(current));
  switch (key) {
    case "ArrowRight": return tabs[(index + 1) % tabs.length];
    case "ArrowLeft": return tabs[(index - 1 + tabs.length) % tabs.length];
    case "Home": return tabs[0];
    case "End": return tabs[tabs.length - 1];
    default: return undefined;
  }
}

/** The tab strip's look: full-width tabs, the selected one filled. */
export const tabStyles = css`
  [role="tablist"] { display: flex; gap: 4px; margin: 8px 0 12px; border-bottom: 2px solid var(--hw-border); }
  [role="tab"] { border: none; border-radius: var(--hw-radius) var(--hw-radius) 0 0; flex: 1 1 0; padding: 8px; }
  [role="tab"][aria-selected="true"] { background: var(--hw-primary); color: var(--hw-on-primary); }
`;
