// The review's look on top of the shared tokens (shared/styles.ts) and the panels' rules: cards
// that open on demand, the record layouts per kind (columns, flows, figures), the review form,
// urgent flags. Two columns once the panel itself is wide (the dock's wide mode), one otherwise.
import { css } from "lit";
import { panelStyles } from "../panels/panel-styles.js";

export const reviewStyles = [...panelStyles, css`
  :host { container-type: inline-size; }
  h3 .count, .count { font-weight: 400; color: var(--hw-muted); }
  ol.flow h4 { font-size: var(--hw-text-sm); margin: 0 0 2px; color: var(--hw-muted); text-transform: uppercase; letter-spacing: 0.04em; }
  .small { font-size: var(--hw-text-sm); }
  .field-error { color: var(--hw-error); font-weight: 600; margin: 4px 0 0; }
  [aria-invalid="true"] { border-color: var(--hw-error); border-width: 2px; }

  /* Header. */
  .head { padding-bottom: var(--hw-space-2); }
  .lede { color: var(--hw-muted); margin: 0; }
  .lede strong { color: var(--hw-text); }
  .layout { display: grid; grid-template-columns: minmax(0, 1fr); gap: 0 var(--hw-space-4); }
  @container (min-width: 52rem) {
    .layout { grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); }
  }

  /* Urgent flags. */
  .flags { border-top: none; padding-top: 0; }
  .flags.has-flags h3 { color: var(--hw-error); }
  .flag-list { list-style: none; padding: 0; margin: 0; }
  .flag { border: 2px solid var(--hw-error); background: var(--hw-error-surface); border-radius: var(--hw-radius);
    padding: var(--hw-space-3); margin: 0 0 var(--hw-space-3); }
  .flag.state-acknowledged { border-color: var(--hw-warning); background: var(--hw-warning-surface); }
  .flag-head { display: flex; flex-wrap: wrap; align-items: center; gap: var(--hw-space-2); margin: 0; }
  .flag-times { color: var(--hw-text); font-size: var(--hw-text-sm); }
  .flag blockquote { margin: 4px 0 8px; padding-left: 8px; border-left: 4px solid var(--hw-error); }
  .flag textarea { min-height: 64px; background: var(--hw-bg); }
  .actions { display: flex; flex-wrap: wrap; gap: var(--hw-space-2); }
  .badge { display: inline-block; border-radius: 999px; padding: 0 10px; font-size: var(--hw-text-sm); font-weight: 700;
    border: 2px solid currentColor; background: var(--hw-bg); }
  .badge-open, .badge-escalated { color: var(--hw-error); }
  .badge-escalated { background: var(--hw-error); color: var(--hw-on-error); border-color: var(--hw-error); }
  .badge-acknowledged { color: var(--hw-warning); }

  /* The queue of completions. */
  .queue-head { display: flex; flex-wrap: wrap; align-items: baseline; justify-content: space-between; gap: var(--hw-space-2); }
  .toolbar { display: flex; flex-wrap: wrap; align-items: center; gap: var(--hw-space-2); }
  .toolbar button { margin: 0; }
  .cards { list-style: none; padding: 0; margin: var(--hw-space-2) 0; }
  .card { background: var(--hw-bg); border: 1px solid var(--hw-border-subtle); border-left: 4px solid var(--hw-primary);
    border-radius: var(--hw-radius); margin: 0 0 var(--hw-space-2); padding: 0; }
  .card.is-reviewed { border-left-color: var(--hw-success); }
  .card.is-selected { background: var(--hw-selected); border-color: var(--hw-primary); }
  .card-head { display: flex; align-items: stretch; gap: 0; }
  .pick { display: flex; align-items: center; justify-content: center; min-width: var(--hw-target); min-height: var(--hw-target);
    margin: 0; cursor: pointer; }
  .pick input { width: 22px; height: 22px; margin: 0; cursor: pointer; }
  button.open { flex: 1 1 auto; min-width: 0; margin: 0; border: none; background: transparent; color: var(--hw-text);
    text-align: left; padding: 6px var(--hw-space-3) 6px 4px; border-radius: 0 var(--hw-radius) var(--hw-radius) 0;
    display: grid; grid-template-columns: minmax(0, 1fr) auto; gap: 0 var(--hw-space-2); align-items: baseline; line-height: 1.35; }
  .open .meta, .open .gist { grid-column: 1 / -1; }
  button.open:hover { background: var(--hw-surface); }
  .open .title { font-weight: 700; }
  .open .title::after { content: " ▸"; color: var(--hw-muted); }
  .open[aria-expanded="true"] .title::after { content: " ▾"; }
  .open .meta { font-size: var(--hw-text-sm); color: var(--hw-muted); }
  .open .gist { overflow: hidden; display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 2; overflow-wrap: anywhere; }
  .chip { display: inline-block; border-radius: 999px; padding: 0 8px; background: var(--hw-surface); color: var(--hw-text);
    font-size: var(--hw-text-sm); }
  .chip.worse { background: var(--hw-error); color: var(--hw-on-error); font-weight: 700; }
  .card-body { padding: 0 var(--hw-space-3) var(--hw-space-3); border-top: 1px solid var(--hw-border-subtle); }
  .card-body[hidden] { display: none; }
  .review-note { background: var(--hw-surface); border-radius: var(--hw-radius); padding: var(--hw-space-2); margin-top: var(--hw-space-2); }

  /* Records. */
  dl.record { margin: var(--hw-space-2) 0 0; }
  dl.record .field { margin: 0 0 var(--hw-space-2); min-width: 0; }
  dl.record dt { font-size: var(--hw-text-sm); font-weight: 700; color: var(--hw-muted); }
  dl.record dd { margin: 0; overflow-wrap: anywhere; }
  .text, q, ol.flow p { white-space: pre-wrap; }
  dl.record dd ul { white-space: normal; padding-left: 18px; margin: 0; }
  dl.columns { display: grid; grid-template-columns: repeat(auto-fill, minmax(11rem, 1fr)); gap: var(--hw-space-2) var(--hw-space-3); }
  dl.columns .field { background: var(--hw-surface); border-radius: var(--hw-radius); padding: var(--hw-space-2); margin: 0; }
  .belief { display: block; font-size: var(--hw-text-sm); color: var(--hw-muted); white-space: normal; }
  q { font-style: italic; }
  blockquote { margin: 0; padding-left: 8px; border-left: 4px solid var(--hw-border-subtle); white-space: pre-wrap; }
  table.emotions, table.items { border-collapse: collapse; width: 100%; table-layout: fixed; white-space: normal; font-size: var(--hw-text-sm); }
  table caption { text-align: left; font-weight: 700; color: var(--hw-muted); }
  table.emotions caption { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  table.emotions th, table.emotions td, table.items th, table.items td {
    text-align: left; padding: 2px 4px; border-bottom: 1px solid var(--hw-border-subtle); vertical-align: top; overflow-wrap: anywhere; font-weight: 400; }
  table.emotions thead th, table.items thead th { font-weight: 700; }
  table.items td { width: 38%; }
  table.items tr.risk { background: var(--hw-error-surface); }
  table.items tr.risk td { color: var(--hw-error); font-weight: 700; }
  .n { color: var(--hw-muted); }
  .meter { display: inline-block; width: 3rem; height: 8px; background: var(--hw-surface); border: 1px solid var(--hw-border-subtle);
    border-radius: 4px; margin-right: 6px; vertical-align: middle; overflow: hidden; }
  .meter span { display: block; height: 100%; background: var(--hw-primary); }
  ol.flow { list-style: none; margin: var(--hw-space-2) 0 0; padding: 0; display: grid; gap: var(--hw-space-2);
    grid-template-columns: repeat(auto-fit, minmax(10rem, 1fr)); }
  ol.flow li { background: var(--hw-surface); border-radius: var(--hw-radius); padding: var(--hw-space-2); position: relative;
    overflow-wrap: anywhere; }
  ol.flow p { margin: 0; }
  .shift { display: inline-flex; flex-wrap: wrap; gap: 6px; align-items: baseline; font-weight: 700; }
  dl.figures { display: flex; flex-wrap: wrap; gap: var(--hw-space-2); margin: 2px 0; }
  dl.figures .figure { background: var(--hw-surface); border-radius: var(--hw-radius); padding: 2px 10px; text-align: center; }
  dl.figures dt { font-size: var(--hw-text-sm); color: var(--hw-muted); font-weight: 400; }
  dl.figures dd { font-size: var(--hw-text-xl); font-weight: 700; }
  dl.inline { display: flex; flex-wrap: wrap; gap: 0 var(--hw-space-4); }
  dl.inline .field[data-part="activity"] { flex: 1 1 100%; }
  details.section { border-top: 1px solid var(--hw-border); }
  details.section > summary h3 { margin: 0; font-size: var(--hw-text-lg); color: var(--hw-text); }
  details.section > summary { padding: var(--hw-space-1) 0; flex-wrap: wrap; gap: 0 var(--hw-space-2); }
  .glance { flex: 1 1 100%; font-weight: 400; color: var(--hw-text); font-size: var(--hw-text-sm); }
  .measure .score { display: flex; flex-wrap: wrap; gap: var(--hw-space-2); align-items: baseline; margin: var(--hw-space-2) 0; }
  .measure .total { font-size: var(--hw-text-xl); font-weight: 700; }
  .band { border-radius: 999px; padding: 0 10px; font-weight: 700; font-size: var(--hw-text-sm); color: var(--hw-text); }
  .band-minimal { background: var(--hw-band-minimal); } .band-mild { background: var(--hw-band-mild); }
  .band-moderate { background: var(--hw-band-moderate); } .band-moderately_severe { background: var(--hw-band-moderately-severe); }
  .band-severe { background: var(--hw-band-severe); }
  .rc { font-weight: 700; }
  .rc.worse { color: var(--hw-error); }
  .rc.better { color: var(--hw-success); }
  .urgent-note { color: var(--hw-error); font-weight: 700; }

  /* The review form. */
  form.bulk { border: 2px solid var(--hw-primary); border-radius: var(--hw-radius); padding: var(--hw-space-3); margin: var(--hw-space-3) 0; }
  form.bulk h4 { margin-bottom: var(--hw-space-2); }
  fieldset.quality { border: none; padding: 0; margin: 0; min-width: 0; }
  fieldset.quality legend { font-weight: 600; padding: 0; }
  .scale { display: flex; flex-wrap: wrap; gap: var(--hw-space-2); margin-top: 4px; }
  .scale label { display: inline-flex; align-items: center; gap: 6px; min-height: var(--hw-target); min-width: 3rem; padding: 0 8px; margin: 0;
    border: 1px solid var(--hw-border); border-radius: var(--hw-radius); font-weight: 400; cursor: pointer; background: var(--hw-bg); }
  .scale label:has(input:checked) { border: 2px solid var(--hw-primary); background: var(--hw-selected); font-weight: 700; }
  .scale input { width: 20px; height: 20px; margin: 0; }
  form.bulk textarea { min-height: 72px; }
  .result { margin: var(--hw-space-2) 0 0; }
  .result.ok { color: var(--hw-success); font-weight: 600; }
  .result ul { margin: 4px 0 0; }
  details.shortcuts, details.reviewed { margin: var(--hw-space-2) 0; }
  details > summary { cursor: pointer; min-height: var(--hw-target); display: flex; align-items: center; font-weight: 600; color: var(--hw-primary); }
  .keys { display: grid; grid-template-columns: max-content 1fr; gap: 4px 12px; margin: 0; }
  .keys dt { font-weight: 400; }
  kbd { font-family: ui-monospace, monospace; border: 1px solid var(--hw-border); border-radius: 4px; padding: 0 4px; background: var(--hw-bg); }
  .keys dd { margin: 0; }

  /* The side column: measures and practice. */
  .practice-card { background: var(--hw-surface); border-radius: var(--hw-radius); padding: var(--hw-space-2) var(--hw-space-3);
    margin: 0 0 var(--hw-space-2); }
  .practice-card h4 { margin: 0; }
  .practice-row { border-bottom: 1px solid var(--hw-border-subtle); padding: var(--hw-space-2) 0; }
  .practice-row p { margin: 0; }
  .practice-line { display: flex; flex-wrap: wrap; align-items: baseline; gap: 0 var(--hw-space-2); }
  .practice-card p { margin: 2px 0; }
`];
