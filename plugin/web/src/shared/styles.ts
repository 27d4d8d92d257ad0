// The one set of design tokens and base rules for every view: the portal, the therapist's panels
// and dock, the caseload, the charts. Readable type on one scale (16 px body, 1.5 line height),
// spacing in 4 px steps, colours with at least 4.5:1 contrast for text on every surface they are
// paired with (axe checks each view in both schemes), 44 px touch targets, a visible focus ring,
// layouts that hold at 360 px wide. A dark scheme follows the reader's `prefers-color-scheme`.
// Elements include `baseStyles` first and use only these tokens for colour, size and spacing;
// host pages override the tokens (`--hw-*`) from outside the shadow root to match their brand
// (a host's rule on the element wins over `:host`, in either scheme).
import { css } from "lit";

export const baseStyles = css`
  :host {
    --hw-font: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
    /* Type scale: small print (chart ticks), small, body, and three heading steps. */
    --hw-text-xs: 0.75rem;
    --hw-text-sm: 0.875rem;
    --hw-text-md: 1rem;
    --hw-text-lg: 1.125rem;
    --hw-text-xl: 1.375rem;
    --hw-text-2xl: 1.75rem;
    /* Spacing, 4 px steps. */
    --hw-space-1: 4px;
    --hw-space-2: 8px;
    --hw-space-3: 12px;
    --hw-space-4: 16px;
    --hw-space-5: 24px;
    --hw-space-6: 32px;
    --hw-gap: var(--hw-space-3);
    --hw-radius: 8px;
    --hw-target: 44px;
    /* Colour: text and its surfaces (each text colour keeps 4.5:1 on --hw-bg, --hw-surface and
       the state surfaces), then states, then the charts. */
    --hw-text: #1b1b1f;
    --hw-muted: #4a4a55;
    --hw-bg: #ffffff;
    --hw-surface: #f3f4f8;
    --hw-border: #6b6b78;
    --hw-border-subtle: #c8c8d0;
    --hw-primary: #0b57d0;
    --hw-on-primary: #ffffff;
    --hw-selected: #e8f0fe;
    --hw-focus: #a8c7fa;
    --hw-success: #146c2e;
    --hw-success-surface: #c4eed0;
    --hw-warning: #7a4a00;
    --hw-warning-strong: #4d2f00;
    --hw-warning-surface: #fff4e0;
    --hw-error: #b3261e;
    --hw-error-strong: #8c1d18;
    --hw-on-error: #ffffff;
    --hw-error-surface: #fdecec;
    /* SUDS series: told apart by marker shape and dash pattern too, never by colour alone. */
    --hw-series-before: #0b57d0;
    --hw-series-peak: #b3261e;
    --hw-series-after: #146c2e;
    --hw-track: #e3e3ea;
    --hw-ladder-rail: #8a6d3b;
    /* PHQ-9 / GAD-7 severity bands behind text and chart lines. */
    --hw-band-minimal: #e6f4ea;
    --hw-band-mild: #f4f1dc;
    --hw-band-moderate: #fcebd6;
    --hw-band-moderately-severe: #fadcd2;
    --hw-band-severe: #f5cccc;
    color-scheme: light dark;
    display: block;
    box-sizing: border-box;
    font-family: var(--hw-font);
    font-size: 16px; /* the body size whatever the host page's root size */
    line-height: 1.5;
    color: var(--hw-text);
    background: var(--hw-bg);
    max-width: 100%;
  }
  @media (prefers-color-scheme: dark) {
    :host {
      --hw-text: #e8e8ee;
      --hw-muted: #b9b9c6;
      --hw-bg: #17181d;
      --hw-surface: #24262e;
      --hw-border: #8f8f9e;
      --hw-border-subtle: #454855;
      --hw-primary: #8ab4f8;
      --hw-on-primary: #0b1a33;
      --hw-selected: #1d3152;
      --hw-focus: #44679f;
      --hw-success: #6dd58c;
      --hw-success-surface: #1c3a25;
      --hw-warning: #f0b95c;
      --hw-warning-strong: #f7d49a;
      --hw-warning-surface: #3a2c12;
      --hw-error: #f2b8b5;
      --hw-error-strong: #f9d3d1;
      --hw-on-error: #3a0b09;
      --hw-error-surface: #3b1d1c;
      --hw-series-before: #8ab4f8;
      --hw-series-peak: #f2b8b5;
      --hw-series-after: #6dd58c;
      --hw-track: #3a3d48;
      --hw-ladder-rail: #b99a66;
      --hw-band-minimal: #1e3325;
      --hw-band-mild: #33301c;
      --hw-band-moderate: #3d2c1a;
      --hw-band-moderately-severe: #42241d;
      --hw-band-severe: #4a1f1f;
    }
  }
  :host([hidden]) { display: none; }
  /* Not "inherit": an element slotted into a <details> inherits from the details' own slot,
     which is content-box, and a 100%-wide input in it came out 18 px wider than its box. */
  *, *::before, *::after { box-sizing: border-box; }
  h2, h3, h4 { line-height: 1.25; margin: 0 0 8px; }
  h2 { font-size: var(--hw-text-xl); }
  h3 { font-size: var(--hw-text-lg); }
  h4 { font-size: var(--hw-text-md); }
  p { margin: 0 0 8px; }
  a { color: var(--hw-primary); }
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
  /* Tab walks the month, day and year (or hour and minute) inside a date or time field, where the
     field itself stops matching :focus-visible: it keeps its ring while any part has focus. */
  :focus-visible, input[type="date"]:focus-within, input[type="time"]:focus-within {
    outline: 3px solid var(--hw-primary); outline-offset: 2px; box-shadow: 0 0 0 6px var(--hw-focus);
  }
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

/** What the charts (shared/*-chart.ts) share: a figure with its caption, a drawing that fits the
 * width up to 1.5 times its own size (on a wide page the ticks stay body-sized), muted axis, grid
 * and ticks, and "Show the numbers" opening a table that wraps within the width. */
export const chartStyles = css`
  :host { background: transparent; }
  figure { margin: 0; }
  figcaption { font-weight: 600; margin-bottom: 4px; }
  svg { width: 100%; height: auto; display: block; }
  figure > svg { max-width: 480px; }
  .axis { stroke: var(--hw-border); stroke-width: 1; }
  .grid { stroke: var(--hw-border-subtle); stroke-width: 1; }
  .tick { font-size: var(--hw-text-xs); fill: var(--hw-muted); }
  details { margin-top: 4px; }
  summary { cursor: pointer; min-height: var(--hw-target); display: flex; align-items: center; color: var(--hw-primary); font-weight: 600; }
  table { width: 100%; table-layout: fixed; border-collapse: collapse; font-size: var(--hw-text-sm); }
  th, td { text-align: left; padding: 4px; border-bottom: 1px solid var(--hw-border-subtle); overflow-wrap: anywhere; vertical-align: top; }
`;
