// <homework-caseload>: for the platform's therapist dashboard (and the dock before a session,
// as a standalone element), the clients of a therapist's caseload who need attention now, most
// urgent first, each with its reasons in plain words and the figures behind them
// (ListAttentionItems, attention.proto). The order and the figures are the service's; this
// element words them in the reader's language and draws where a glance is faster than reading:
// a sparkline of the measure behind a reliable-change reason, a bar of plan done against the
// threshold. For a few reasons it reads one more resource the reason names (the flag for how
// long it has been open, the assignment for its title, the measure's completions for the
// sparkline). It suggests; the therapist decides: choosing a client fires
// `homework-caseload-select` (bubbling, composed) with `{client, displayName}` so the host opens
// the client.
//
// Properties: `api` (a HomeworkClient) or `apiBaseUrl` + `getToken`; `practice`
// (`practices/{practice}`); `therapist` (for service and admin callers); `pageSize` (default 50;
// "Show more clients" loads the next page); `lang` as on every element.
import { LitElement, css, html, nothing, svg, type PropertyValues } from "lit";
import { property, state } from "lit/decorators.js";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { defineElement } from "../shared/define.js";
import { baseStyles } from "../shared/styles.js";
import { catalogue, elementLocale, type Catalogue, type Locale } from "../shared/i18n.js";
import { createHomeworkClient, type HomeworkClient } from "../client/homework-client.js";
import { connectTransport } from "../client/connect-transport.js";
import { toApiError } from "../client/errors.js";
import { AttentionReason_Kind as Kind, type AttentionItem, type AttentionReason }
  from "../gen/therapy/homework/v1/attention_pb.js";
import { Measure } from "../gen/therapy/homework/v1/assignment_pb.js";
import { SafetyFlag_Source, type SafetyFlag } from "../gen/therapy/homework/v1/safety_flag_pb.js";
import { dateFormat, numberFormat } from "../shared/intl-formats.js";

/** The detail of `homework-caseload-select`. */
export interface CaseloadSelectDetail {
  /** The client, `practices/{practice}/clients/{client}`. */
  client: string;
  displayName: string;
}

/** What one more read adds to a reason: a flag, an assignment title, a measure's totals. */
interface Extra {
  flag?: SafetyFlag;
  title?: string;
  measure?: Measure;
  /** The measure's totals, oldest first. */
  totals?: number[];
}

const MAX_TOTAL: Partial<Record<Measure, number>> = { [Measure.PHQ9]: 27, [Measure.GAD7]: 21 };
const MEASURE_NAME: Partial<Record<Measure, string>> = { [Measure.PHQ9]: "PHQ-9", [Measure.GAD7]: "GAD-7" };

@defineElement("homework-caseload")
export class HomeworkCaseload extends LitElement {
  static override styles = [baseStyles, css`
    :host { padding: 12px; }
    header { display: flex; flex-wrap: wrap; align-items: baseline; justify-content: space-between; gap: 8px; }
    ul.clients { list-style: none; padding: 0; margin: 0; display: grid; gap: var(--hw-gap); }
    li.client { background: var(--hw-surface); border-radius: var(--hw-radius); padding: 8px 12px; border-left: 6px solid var(--hw-border); min-width: 0; }
    li.client.urgent { border-left-color: var(--hw-error); }
    li.client.warning { border-left-color: var(--hw-warning); }
    .name { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; }
    button.open { font-weight: 700; text-align: left; overflow-wrap: anywhere; }
    .count { color: var(--hw-muted); font-size: var(--hw-text-sm); }
    ul.reasons { list-style: none; padding: 0; margin: 8px 0 0; display: grid; gap: 6px; }
    ul.reasons li { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 10px; min-width: 0; }
    ul.reasons .text { flex: 0 1 auto; min-width: 0; overflow-wrap: anywhere; }
    ul.reasons li.urgent .text { color: var(--hw-error); font-weight: 700; }
    ul.reasons li.warning .text { color: var(--hw-warning); font-weight: 600; }
    .why { display: block; font-size: var(--hw-text-sm); color: var(--hw-muted); font-weight: 400; }
    svg.spark { width: 96px; height: 28px; flex: none; overflow: visible; }
    svg.spark polyline { fill: none; stroke: var(--hw-error); stroke-width: 2; }
    svg.spark circle { fill: var(--hw-error); }
    svg.spark line.base { stroke: var(--hw-border-subtle); stroke-width: 1; }
    .bar { position: relative; width: 96px; height: 12px; flex: none; background: var(--hw-bg); border: 1px solid var(--hw-border); border-radius: 3px; }
    .bar .done { position: absolute; left: 0; top: 0; bottom: 0; background: var(--hw-warning); }
    .bar .limit { position: absolute; top: -3px; bottom: -3px; width: 2px; background: var(--hw-text); }
    .error-text { color: var(--hw-error); font-weight: 600; }
  `];

  /** A typed client to call with (e.g. over the session's transport); else apiBaseUrl + getToken. */
  @property({ attribute: false }) api?: HomeworkClient;
  /** The Connect listener's base URL, when `api` is not given. */
  @property({ attribute: "api-base-url" }) apiBaseUrl = "";
  /** Returns a promise of the therapist's bearer token; asked before every call. A property only. */
  @property({ attribute: false }) getToken?: () => Promise<string>;
  /** Required. The practice, `practices/{practice}`. */
  @property() practice = "";
  /** Optional for a therapist (its own caseload); the therapist's id for service and admin callers. */
  @property() therapist = "";
  /** Clients per page, 1-1000. */
  @property({ type: Number, attribute: "page-size" }) pageSize = 50;

  @state() private items: AttentionItem[] = [];
  @state() private extras = new Map<string, Extra>();
  @state() private nextPageToken = "";
  @state() private computed?: Date;
  @state() private loading = false;
  @state() private failed = false;

  private client?: HomeworkClient;

  private get locale(): Locale {
    return elementLocale(this);
  }

  protected override updated(changed: PropertyValues): void {
    if (changed.has("api") || changed.has("apiBaseUrl") || changed.has("getToken") || changed.has("practice") ||
        changed.has("therapist") || changed.has("pageSize")) {
      this.client = this.api ?? (this.apiBaseUrl && this.getToken ? createHomeworkClient(connectTransport({
        baseUrl: this.apiBaseUrl.replace(/\/$/, ""), token: () => this.getToken?.() ?? Promise.resolve("") })) : undefined);
      if (this.client && this.practice) void this.reload();
    }
  }

  /** Loads the list again from its first page. */
  async reload(): Promise<void> {
    this.items = [];
    this.extras = new Map();
    this.nextPageToken = "";
    await this.loadPage("");
  }

  private async loadPage(pageToken: string): Promise<void> {
    const api = this.client;
    if (!api) return;
    this.loading = true;
    this.failed = false;
    try {
      const page = await api.listAttentionItems({ parent: this.practice, therapist: this.therapist, pageSize: this.pageSize, pageToken });
      const first = this.items.length;
      this.items = [...this.items, ...page.attentionItems];
      this.nextPageToken = page.nextPageToken;
      this.computed = page.computeTime ? timestampDate(page.computeTime) : new Date();
      void this.addExtras(api, page.attentionItems);
      if (pageToken) {
        // Keyboard users continue where the new clients start.
        void this.updateComplete.then(() => this.renderRoot.querySelectorAll<HTMLElement>("button.open")[first]?.focus());
      }
    } catch (error) {
      this.failed = true;
      console.debug("homework-caseload: ListAttentionItems failed", toApiError(error).codeName);
    } finally {
      this.loading = false;
    }
  }

  /** The reads a few reasons need; a reason without its extra still shows its own figures. */
  private async addExtras(api: HomeworkClient, items: AttentionItem[]): Promise<void> {
    const reads: Promise<void>[] = [];
    for (const item of items) {
      for (const reason of item.reasons) {
        if (!reason.resource || this.extras.has(reason.resource)) continue;
        const key = reason.resource;
        const set = (extra: Extra) => { this.extras = new Map(this.extras).set(key, extra); };
        if (reason.kind === Kind.FLAG_ESCALATED || reason.kind === Kind.FLAG_OPEN) {
          reads.push(api.getSafetyFlag({ name: key }).then((flag) => set({ flag })));
        } else if (reason.kind === Kind.EXPOSURE_NOT_PRACTISED || reason.kind === Kind.MEASURE_OVERDUE) {
          reads.push(api.getAssignment({ name: key }).then((a) => set({ title: a.title })));
        } else if (reason.kind === Kind.RELIABLE_DETERIORATION || reason.kind === Kind.NO_RELIABLE_IMPROVEMENT) {
          const parent = key.replace(/\/completions\/[^/]+$/, "");
          reads.push(api.listCompletions({ parent, pageSize: 1000 }).then((r) => {
            const answered = r.completions.filter((c) => c.record.case === "measure")
              .sort((a, b) => Number((a.occurTime?.seconds ?? 0n) - (b.occurTime?.seconds ?? 0n)));
            const measure = answered[0]?.record.case === "measure" ? answered[0].record.value.measure : undefined;
            set({ measure, totals: answered.map((c) => (c.record.case === "measure" ? c.record.value.total : 0)) });
          }));
        }
      }
    }
    await Promise.allSettled(reads);
  }

  override render() {
    const t = catalogue(this.locale);
    const time = this.computed ? dateFormat(this.locale, { hour: "numeric", minute: "2-digit" }).format(this.computed) : "";
    return html`<section aria-labelledby="caseload-heading" aria-busy=${this.loading ? "true" : "false"}>
      <header><h2 id="caseload-heading">${t.caseload.title}</h2>${time ? html`<span class="count">${t.caseload.asOf(time)}</span>` : nothing}</header>
      ${this.failed ? html`<p class="error-text" role="alert">${t.caseload.loadFailed}</p>
          <button @click=${() => (this.items.length ? this.loadPage(this.nextPageToken) : this.reload())}>${t.caseload.retry}</button>` : nothing}
      ${this.loading && this.items.length === 0 ? html`<p>${t.caseload.loading}</p>` : nothing}
      ${!this.loading && !this.failed && this.computed && this.items.length === 0 ? html`<p>${t.caseload.empty}</p>` : nothing}
      ${this.items.length > 0 ? html`<ul class="clients" role="list">${this.items.map((item) => this.renderItem(item, t))}</ul>` : nothing}
      ${this.nextPageToken && !this.failed ? html`<button class="more" ?disabled=${this.loading} @click=${() => this.loadPage(this.nextPageToken)}>${t.caseload.more}</button>` : nothing}
    </section>`;
  }

  private renderItem(item: AttentionItem, t: Catalogue) {
    const id = `r-${item.client.replace(/[^A-Za-z0-9_-]/g, "-")}`;
    return html`<li class="client ${tone(item.reasons[0]?.kind)}" data-client=${item.client}>
      <div class="name">
        <button class="open" aria-describedby=${id} @click=${() => this.select(item)}>${item.displayName || item.client}</button>
        <span class="count">${t.caseload.reasons(item.reasons.length)}</span>
      </div>
      <ul class="reasons" role="list" id=${id}>${item.reasons.map((reason) => html`<li class=${tone(reason.kind)} data-kind=${Kind[reason.kind]}>
        ${this.renderReason(reason, t)}</li>`)}</ul>
    </li>`;
  }

  private renderReason(reason: AttentionReason, t: Catalogue) {
    const extra = this.extras.get(reason.resource) ?? {};
    const c = t.caseload;
    switch (reason.kind) {
      case Kind.FLAG_ESCALATED:
      case Kind.FLAG_OPEN: {
        const raised = extra.flag?.raiseTime ? timestampDate(extra.flag.raiseTime) : undefined;
        const open = raised ? this.duration(Date.now() - raised.getTime()) : "…";
        const why = extra.flag ? (extra.flag.source === SafetyFlag_Source.PHQ9_ITEM_9 ? c.flagPhq9 : c.flagClient) : "";
        return html`<span class="text">${reason.kind === Kind.FLAG_ESCALATED ? c.flagEscalated(open) : c.flagOpen(open)}${
          why ? html`<span class="why">${why}</span>` : nothing}</span>`;
      }
      case Kind.RELIABLE_DETERIORATION: {
        const name = MEASURE_NAME[extra.measure ?? Measure.UNSPECIFIED] ?? c.aMeasure;
        const to = extra.totals?.at(-1);
        return html`<span class="text">${to === undefined ? c.deteriorationBy(name, reason.value, reason.threshold)
          : c.deterioration(name, to - reason.value, to, reason.threshold)}</span>${this.sparkline(extra, t)}`;
      }
      case Kind.NO_RELIABLE_IMPROVEMENT:
        return html`<span class="text">${c.noImprovement(MEASURE_NAME[extra.measure ?? Measure.UNSPECIFIED] ?? c.aMeasure,
          Math.floor(reason.value), Math.round(reason.threshold))}</span>${this.sparkline(extra, t)}`;
      case Kind.REPEATED_HIGH_PEAK:
        return html`<span class="text">${c.highPeak(reason.value, reason.threshold)}</span>`;
      case Kind.LOW_ADHERENCE: {
        const percent = Math.round(reason.value * 100);
        const limit = Math.round(reason.threshold * 100);
        return html`<span class="text">${c.lowAdherence(percent, limit)}</span>
          <span class="bar" role="img" aria-label=${c.adherenceBar(percent, limit)}><span class="done" style="width:${percent}%"></span>
            <span class="limit" style="left:calc(${limit}% - 1px)"></span></span>`;
      }
      case Kind.EXPOSURE_NOT_PRACTISED:
        return html`<span class="text">${c.exposureIdle(extra.title ?? c.aPractice, Math.floor(reason.value))}</span>`;
      case Kind.REPEATED_SKIP_REASON:
        return html`<span class="text">${c.repeatedSkip(reason.value)}</span>`;
      case Kind.NOTHING_SINCE_SESSION:
        return html`<span class="text">${c.quiet(Math.floor(reason.value))}</span>`;
      case Kind.MEASURE_OVERDUE:
        return html`<span class="text">${c.overdue(extra.title ?? c.aMeasure, Math.floor(reason.value), Math.round(reason.threshold))}</span>`;
      default:
        return html`<span class="text">${reason.detail}</span>`;
    }
  }

  /** The measure's totals on its own scale, the latest marked; its name lists every value. */
  private sparkline(extra: Extra, t: Catalogue) {
    const totals = extra.totals ?? [];
    if (totals.length < 2) return nothing;
    const max = MAX_TOTAL[extra.measure ?? Measure.UNSPECIFIED] ?? Math.max(...totals, 1);
    const x = (i: number) => (i * 92) / (totals.length - 1) + 2;
    const y = (v: number) => 26 - (v / max) * 24;
    const points = totals.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
    const name = MEASURE_NAME[extra.measure ?? Measure.UNSPECIFIED] ?? t.caseload.aMeasure;
    return html`<svg class="spark" viewBox="0 0 96 28" role="img" aria-label=${t.caseload.trend(name, totals.join(", "))}>
      ${svg`<line class="base" x1="0" y1="26" x2="96" y2="26"></line>
      <polyline points=${points}></polyline>
      <circle cx=${x(totals.length - 1)} cy=${y(totals.at(-1) ?? 0)} r="3"></circle>`}
    </svg>`;
  }

  /** A duration as the reader's locale writes it, in the largest unit that reads naturally. */
  private duration(ms: number): string {
    const minutes = Math.max(1, Math.round(ms / 60_000));
    const [value, unit] = minutes < 60 ? [minutes, "minute"] : minutes < 48 * 60 ? [Math.floor(minutes / 60), "hour"]
      : [Math.floor(minutes / 1440), "day"];
    return numberFormat(this.locale, { style: "unit", unit, unitDisplay: "short" }).format(value);
  }

  private select(item: AttentionItem): void {
    this.dispatchEvent(new CustomEvent<CaseloadSelectDetail>("homework-caseload-select", {
      bubbles: true, composed: true, detail: { client: item.client, displayName: item.displayName },
    }));
  }
}

/** How a reason (or a client by its first reason) is marked: flags urgent, worsening a warning. */
function tone(kind: Kind | undefined): string {
  if (kind === Kind.FLAG_ESCALATED || kind === Kind.FLAG_OPEN) return "urgent";
  if (kind === Kind.RELIABLE_DETERIORATION || kind === Kind.REPEATED_HIGH_PEAK) return "warning";
  return "";
}

declare global {
  interface HTMLElementTagNameMap {
    "homework-caseload": HomeworkCaseload;
  }
}
