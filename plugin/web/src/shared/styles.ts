// Shared design tokens and base rules for the portal and the therapist panels: readable type
// (16 px minimum, 1.5 line height), colours with at least 4.5:1 contrast on their backgrounds,
// 44 px touch targets, a visible focus ring, and layouts that hold at 360 px wide. Elements
// include `baseStyles` first; host pages override the tokens (`--hw-*`) from outside the shadow
// root to match their brand.
import { css } from "lit";

export const baseStyles = css`
  :host {
    --hw-font: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
    --hw-text: #1b1b1f;
    --hw-muted: #4a4a55;
    --hw-bg: #ffffff;
    --hw-surface: #f3f4f8;
    --hw-border: #6b6b78;
    --hw-primary: #0b57d0;
    --hw-on-primary: #ffffff;
    --hw-success: #146c2e;
    --hw-warning: #7a4a00;
    --hw-error: #b3261e;
    --hw-focus: #a8c7fa;
    --hw-radius: 8px;
    --hw-gap: 12px;
    /* Type scale and spacing (4 px steps); surfaces behind text keep 4.5:1 with --hw-text. */
    --hw-text-sm: 0.875rem;
    --hw-space-1: 4px;
    --hw-space-2: 8px;
    --hw-space-3: 12px;
    --hw-space-4: 16px;
    --hw-border-subtle: #c8c8d0;
    --hw-error-surface: #fdecec;
    --hw-warning-surface: #fff4e0;
    --hw-selected: #e8f0fe;
    --hw-target: 44px;
    /* SUDS series: told apart by marker shape and dash pattern too, never by colour alone. */
    --hw-series-before: #0b57d0;
    --hw-series-peak: #b3261e;
    --hw-series-after: #146c2e;
    display: block;
    box-sizing: border-box;
    font-family: var(--hw-font);
    font-size: 16px;
    line-height: 1.5;
    color: var(--hw-text);
    background: var(--hw-bg);
    max-width: 100%;
  }
  *, *::before, *::after { box-sizing: inherit; }
  h2, h3, h4 { line-height: 1.25; margin: 0 0 8px; }
  h2 { font-size: 1.375rem; }
  h3 { font-size: 1.125rem; }
  h4 { font-size: 1rem; }
  p { margin: 0 0 8px; }
  button, input, select, textarea { font: inherit; color: inherit; }
  button {
    min-height: var(--hw-target);
    min-width: var(--hw-target);
    padding: 8px 16px;
    border-radius: var(--hw-radius);
    border: 2px solid var(--hw-primary);
    background: var(--hw-bg);
    color: var(--hw-primary);
    cursor: pointer;
  }
  button.primary { background: var(--hw-primary); color: var(--hw-on-primary); }
  button:disabled { opacity: 0.6; cursor: not-allowed; }
  :focus-visible { outline: 3px solid var(--hw-primary); outline-offset: 2px; box-shadow: 0 0 0 6px var(--hw-focus); }
  input[type="text"], input[type="number"], textarea, select {
    min-height: var(--hw-target);
    width: 100%;
    padding: 8px;
    border: 1px solid var(--hw-border);
    border-radius: var(--hw-radius);
    background: var(--hw-bg);
  }
  textarea { min-height: 88px; resize: vertical; }
  .card {
    background: var(--hw-surface);
    border-radius: var(--hw-radius);
    padding: 12px;
    margin: 0 0 var(--hw-gap);
  }
  .muted { color: var(--hw-muted); }
  .error-text { color: var(--hw-error); font-weight: 600; }
  .visually-hidden {
    position: absolute !important;
    width: 1px; height: 1px;
    padding: 0; margin: -1px;
    overflow: hidden; clip: rect(0 0 0 0);
    white-space: nowrap; border: 0;
  }
`;
