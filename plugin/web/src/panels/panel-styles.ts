// The session panels' look on top of the shared tokens and base rules (shared/styles.ts): what
// only the panels need, narrow enough to dock beside a video and readable at 360 px.
import { css } from "lit";
import { baseStyles } from "../shared/styles.js";

export const panelStyles = [baseStyles, css`
  section { border-top: 1px solid var(--hw-border); padding: 8px 0; }
  ul { padding-left: 18px; margin: 4px 0; }
  label { display: block; font-weight: 600; margin-top: 8px; }
  input[type="time"], input[type="date"], input:not([type]) {
    min-height: var(--hw-target);
    width: 100%;
    padding: 8px;
    border: 1px solid var(--hw-border);
    border-radius: var(--hw-radius);
    background: var(--hw-bg);
  }
  button { margin-top: 8px; }
  .urgent { border: 2px solid var(--hw-error); background: var(--hw-error-surface); padding: 8px; border-radius: var(--hw-radius); }
  .status { color: var(--hw-muted); }
  .error { color: var(--hw-error); font-weight: 600; }
  .connection { position: sticky; top: 0; z-index: 1; margin: 0 0 8px; padding: 8px;
    border: 2px solid var(--hw-error); background: var(--hw-error-surface); border-radius: var(--hw-radius); }
  .plan dt { font-weight: 600; }
  .plan dd { margin: 0 0 4px 0; }
  .row { display: flex; flex-wrap: wrap; gap: var(--hw-gap); }
  .row > * { flex: 1 1 8rem; }
  fieldset.if-then { border: 1px solid var(--hw-border-subtle); border-left: 4px solid var(--hw-primary);
    border-radius: var(--hw-radius); margin: 8px 0 0; padding: 0 8px 8px; min-width: 0; }
  fieldset.if-then legend { font-weight: 600; padding: 0 4px; }
`];
