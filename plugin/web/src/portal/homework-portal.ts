// <homework-portal>: the client's homework portal, embedded in a telehealth platform's page.
// Three views: Today (the practices due, each one's plan in plain words and one tap to start),
// Progress (per assignment a four-week calendar of practice against target, the forgiving streak,
// SUDS charts per exposure step, the therapist's feedback) and Check-ins (PHQ-9, GAD-7).
// Saving goes through the outbox (outbox.ts): kept on the device, sent once when a connection
// exists, its state visible; Today counts what waits in the outbox as "saved on this device,
// sending". Each practice shows its instructions, why it helps and the plan (practice-brief.ts).
// The embedding page sets `api-base-url`, `getToken` (a callback returning a promise of the
// client's JWT, asked before every call; the older `token` property still works), `lang`, and
// the crisis resources shown after a PHQ-9 item 9 answer above zero. When the service says the
// token is no longer valid the portal fires `homework-token-expired` (bubbling, composed; the
// host may pass a promise to `event.detail.waitUntil` while it refreshes), asks `getToken` again
// and resends the call once; without a token it says the client is not signed in.
// "I need help now" is in the header whatever else shows: it raises an urgent flag (queued on the
// device when offline, safety-plan-store.ts) and shows, before anything else, the client's
// safety plan (the newest active safety-plan assignment, kept on the device so it shows without
// a connection) and the crisis resources; a saved PHQ-9 with question 9 above 0 shows it too.
import { LitElement, css, html, nothing, type PropertyValues } from "lit";
import { property, state } from "lit/decorators.js";
import { defineElement } from "../shared/define.js";
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { Transport } from "@connectrpc/connect";
import { Assignment_State, ExerciseKind, Measure, Schedule_Period, type Assignment } from "../gen/therapy/homework/v1/assignment_pb.js";
import type { Completion } from "../gen/therapy/homework/v1/completion_pb.js";
import type { Client } from "../gen/therapy/homework/v1/client_pb.js";
import type { Hierarchy } from "../gen/therapy/homework/v1/hierarchy_pb.js";
import type { ReviewSummary } from "../gen/therapy/homework/v1/review_summary_pb.js";
import { createHomeworkClient, type HomeworkClient } from "../client/homework-client.js";
import { connectTransport } from "../client/connect-transport.js";
import { Code } from "@connectrpc/connect";
import { toApiError } from "../client/errors.js";
import { watchClientEvents } from "../client/watch-events.js";
import { Event_Type } from "../gen/therapy/homework/v1/event_pb.js";
import { baseStyles } from "../shared/styles.js";
import { catalogue, elementLocale, formatDay, type Catalogue, type Locale, type Say } from "../shared/i18n.js";
import { briefStyles, practiceBrief } from "./practice-brief.js";
import { practiceStartLine } from "../shared/plan-text.js";
import "../shared/suds-chart.js";
import { tabAfterKey, tabStyles } from "../shared/tabs.js";
import "./completion-form.js";
import type { CompletionForm, CompletionSubmit, CrisisResource } from "./completion-form.js";
import { Outbox, pendingPractices, type OutboxEntry, type SendResult } from "./outbox.js";
import "./safety-plan-view.js";
import { SafetyPlanStore, clientOfToken, latestSafetyPlan, safetyPlanOf, type HelpState } from "./safety-plan-store.js";
import { dueToday, localDay, sudsByStep } from "./practice-days.js";
import { adherenceCalendar, adherenceFigures, adherenceStyles } from "../shared/adherence.js";

type View = "today" | "progress" | "measures";
const VIEWS: readonly View[] = ["today", "progress", "measures"];
const HISTORY_DAYS = 35;
const RETRY_MS = 30_000;
/** How long the portal waits for the host to refresh an expired token before trying anyway. */
const REFRESH_WAIT_MS = 15_000;

/** The detail of `homework-token-expired`. */
export interface TokenExpiredDetail {
  /** Optional. The host passes the promise of its refresh; the portal asks `getToken` once it settles. */
  waitUntil(refresh: Promise<unknown>): void;
}

/** Why nothing can load: no token at all, or the service no longer accepts the one given. */
type SignIn = "ok" | "signed-out" | "ended";

@defineElement("homework-portal")
export class HomeworkPortal extends LitElement {
  static override styles = [baseStyles, tabStyles, briefStyles, adherenceStyles, css`
    :host { padding: 12px; }
    header { display: flex; flex-wrap: wrap; align-items: baseline; justify-content: space-between; gap: 8px; }
    .pending { font-weight: 600; color: var(--hw-success); }
    .sign-in { border-left: 4px solid var(--hw-primary); }
    .sign-in p { font-weight: 600; }
    .banner { padding: 8px 12px; border-radius: var(--hw-radius); margin-bottom: 12px; }
    .banner.offline { background: var(--hw-warning-surface); border: 2px solid var(--hw-warning); color: var(--hw-warning-strong); }
    .status { min-height: 1.5em; font-weight: 600; color: var(--hw-success); }
    .outbox li { margin-bottom: 4px; }
    .state-failed { color: var(--hw-error); font-weight: 600; }
    .help { display: flex; flex-wrap: wrap; gap: 8px; margin-bottom: 12px; }
    button.help-now { background: var(--hw-error); border-color: var(--hw-error); color: var(--hw-on-error); font-weight: 700; }
    button.back { margin-top: 12px; }
    .feedback blockquote { margin: 4px 0 0; padding-left: 8px; border-left: 4px solid var(--hw-primary); }
    [data-progress] .started { margin: -4px 0 8px; color: var(--hw-muted); font-size: var(--hw-text-sm); }
  `];

  /** Required. The Connect listener's base URL, e.g. `https://homework.example`. */
  @property({ attribute: "api-base-url" }) apiBaseUrl = "";
  /**
   * Required unless `token` or `transport` is set. Returns a promise of the client's current
   * bearer token; called before every call, and again after `homework-token-expired`. An empty
   * string (or a rejection) means not signed in. A property only.
   */
  @property({ attribute: false }) getToken?: () => Promise<string>;
  /** The older alternative to `getToken`: the client's bearer token itself. A property only. */
  @property({ attribute: false }) token = "";
  /** Optional. A transport to use instead of HTTP to `api-base-url`. */
  @property({ attribute: false }) transport?: Transport;
  /** Optional. The client, `practices/{p}/clients/{c}`; by default the token's (GetCaller). */
  @property({ attribute: "client-name" }) clientName = "";
  /** Crisis resources from the platform's configuration; also settable as a JSON attribute. */
  @property({ attribute: "crisis-resources", converter: { fromAttribute: parseResources } })
  crisisResources: CrisisResource[] = [];

  @state() private view: View = "today";
  @state() private loading = true;
  @state() private loadError = "";
  @state() private client?: Client;
  @state() private assignments: Assignment[] = [];
  @state() private completions: Completion[] = [];
  @state() private hierarchies: Hierarchy[] = [];
  @state() private summary?: ReviewSummary;
  @state() private open = "";
  @state() private busy = false;
  /** The status line: the newest save or send, said in the language of the moment it shows. */
  @state() private message?: Say;
  @state() private outboxEntries: OutboxEntry[] = [];
  @state() private online = navigator.onLine;
  @state() private signIn: SignIn = "ok";
  /** The safety plan and crisis resources show first (help asked for, or a PHQ-9 flag). */
  @state() private safetyFirst = false;
  @state() private keptPlan?: Assignment;
  @state() private helpState?: HelpState;

  private safety?: SafetyPlanStore;
  private clientRef = "";

  private api?: HomeworkClient;
  private outbox?: Outbox;
  private retryTimer?: ReturnType<typeof setInterval>;
  private readonly onOnline = () => { this.online = true; void this.flush(); };
  private readonly onOffline = () => { this.online = false; };
  private refreshing?: Promise<void>;
  private watch?: AbortController;

  private get locale(): Locale {
    return elementLocale(this);
  }

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener("online", this.onOnline);
    window.addEventListener("offline", this.onOffline);
    this.retryTimer = setInterval(() => { if (this.outboxEntries.length > 0) void this.flush(); }, RETRY_MS);
  }

  override disconnectedCallback(): void {
    window.removeEventListener("online", this.onOnline);
    window.removeEventListener("offline", this.onOffline);
    clearInterval(this.retryTimer);
    this.watch?.abort();
    this.watch = undefined;
    super.disconnectedCallback();
  }

  protected override updated(changed: PropertyValues): void {
    if (!(changed.has("apiBaseUrl") || changed.has("token") || changed.has("getToken") || changed.has("transport"))) return;
    if (this.transport || (this.apiBaseUrl && (this.getToken || this.token))) {
      this.api = createHomeworkClient(this.transport ?? connectTransport({
        baseUrl: this.apiBaseUrl.replace(/\/$/, ""), token: () => this.currentToken(),
        onUnauthenticated: () => this.refreshToken(),
      }));
      if (!this.client) void this.load();
    } else if (this.apiBaseUrl) {
      // Configured, but with no way to get a token: say so rather than load forever.
      this.api = undefined;
      this.loading = false;
      this.signIn = "signed-out";
    }
  }

  /** The token for the next call: the host's `getToken`, else `token`; "" when there is none. */
  private async currentToken(): Promise<string> {
    if (!this.getToken) return this.token;
    try {
      return (await this.getToken()) ?? "";
    } catch {
      return "";
    }
  }

  /**
   * Tells the host the token was refused (`homework-token-expired`) and waits for the refresh it
   * passes to `waitUntil`, at most REFRESH_WAIT_MS. Calls refused at the same moment share one.
   */
  private refreshToken(): Promise<void> {
    this.refreshing ??= (async () => {
      const waits: Promise<unknown>[] = [];
      this.dispatchEvent(new CustomEvent<TokenExpiredDetail>("homework-token-expired", {
        bubbles: true, composed: true, detail: { waitUntil: (refresh) => { waits.push(refresh); } },
      }));
      await Promise.race([Promise.allSettled(waits), new Promise((resolve) => setTimeout(resolve, REFRESH_WAIT_MS))]);
    })().finally(() => { this.refreshing = undefined; });
    return this.refreshing;
  }

  /** Loads everything the views show; called once, and again by "Try again". */
  async load(): Promise<void> {
    const api = this.api;
    if (!api) return;
    this.loading = true;
    this.loadError = "";
    this.signIn = "ok";
    try {
      if (!this.transport && await this.currentToken() === "") {
        this.signIn = "signed-out";
        return;
      }
      const name = this.clientName || (await api.getCaller({})).client;
      this.openSafety(name);
      this.outbox = new Outbox(name);
      this.outboxEntries = this.outbox.entries();
      const since = timestampFromDate(new Date(Date.now() - HISTORY_DAYS * 86_400_000));
      const [client, assignments, completions, hierarchies] = await Promise.all([
        api.getClient({ name }),
        this.listAll((pageToken) => api.listAssignments({ parent: name, pageToken, pageSize: 1000,
          states: [Assignment_State.ACTIVE] }).then((r) => [r.assignments, r.nextPageToken] as const)),
        this.listAll((pageToken) => api.listCompletions({ parent: `${name}/assignments/-`, pageToken,
          pageSize: 1000, startTime: since }).then((r) => [r.completions, r.nextPageToken] as const)),
        this.listAll((pageToken) => api.listHierarchies({ parent: name, pageToken, pageSize: 1000 })
          .then((r) => [r.hierarchies, r.nextPageToken] as const)),
      ]);
      this.client = client;
      this.assignments = assignments;
      this.completions = completions;
      this.hierarchies = hierarchies;
      this.keptPlan = latestSafetyPlan(assignments);
      this.safety?.keep(this.keptPlan, this.crisisResources);
      await this.loadSummary();
      void this.flush();
      this.watchReviews(name);
    } catch (error) {
      const failure = toApiError(error);
      if (failure.code === Code.Unauthenticated) this.signIn = "ended";
      else this.loadError = failure.codeName;
      // No connection: the plan kept on this device still shows when help is asked for.
      if (!this.safety) this.openSafety(this.clientName || clientOfToken(await this.currentToken()) || "");
    } finally {
      this.loading = false;
    }
  }

  /** Opens the device's safety-plan store of `client` ("" keeps none) and what it holds. */
  private openSafety(client: string): void {
    if (!client) return;
    this.clientRef = client;
    this.safety = new SafetyPlanStore(client);
    this.keptPlan = this.safety.plan();
  }

  /** "I need help now": the plan first, and a flag for the care team (queued when offline). */
  private needHelp(): void {
    this.showSafetyFirst();
    if (!this.safety) return;
    this.safety.addHelpRequest();
    this.helpState = "waiting";
    void this.sendHelp();
  }

  private async sendHelp(): Promise<void> {
    if (!this.api || !this.safety || this.safety.helpRequests().length === 0) return;
    const state = await this.safety.sendHelp(this.api, this.clientRef);
    if (state && this.helpState !== undefined) this.helpState = state;
  }

  /** Shows the safety plan and crisis resources first, and moves focus to the plan. */
  private showSafetyFirst(): void {
    this.safetyFirst = true;
    this.open = "";
    void this.updateComplete.then(() => {
      const view = this.renderRoot.querySelector("hw-safety-plan");
      void view?.updateComplete.then(() => view.renderRoot.querySelector<HTMLElement>("#plan-heading")?.focus());
    });
  }

  private closeSafety(): void {
    this.safetyFirst = false;
    this.helpState = undefined;
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>("button.show-plan, button.help-now")?.focus());
  }

  /**
   * The therapist's feedback shows as soon as it is written: over HTTP the portal watches its own
   * events (WatchEvents) and a review event reloads that completion.
   */
  private watchReviews(client: string): void {
    if (this.watch || !this.api || this.transport) return;
    const api = this.api;
    this.watch = new AbortController();
    void watchClientEvents(api, client, (event) => {
      if (event.type !== Event_Type.COMPLETION_REVIEWED) return;
      void api.getCompletion({ name: event.resource }).then((completion) => {
        this.completions = this.completions.map((c) => (c.name === completion.name ? completion : c));
      }, () => { /* shown at the next load */ });
    }, this.watch.signal);
  }

  private async loadSummary(): Promise<void> {
    if (!this.api || !this.client) return;
    // The period the therapist reviews (since the last session): both see the same figures.
    this.summary = await this.api.getReviewSummary({ client: this.client.name });
  }

  private async listAll<T>(page: (token: string) => Promise<readonly [T[], string]>): Promise<T[]> {
    const all: T[] = [];
    let token = "";
    do {
      const [items, next] = await page(token);
      all.push(...items);
      token = next;
    } while (token);
    return all;
  }

  /** Sends what the outbox holds, for the timer and the `online` event. */
  private async flush(): Promise<void> {
    void this.sendHelp();
    const results = await this.sendNow();
    const stored = results.filter((r) => r.outcome === "sent").length;
    if (stored > 0) this.message = (t) => t.portal.syncedNow;
  }

  /** One outbox run; what the service stored shows in the views at once. */
  private async sendNow(): Promise<SendResult[]> {
    if (!this.api || !this.outbox) return [];
    const results = await this.outbox.flush(this.api, () => { this.outboxEntries = this.outbox?.entries() ?? []; });
    const sent = results.flatMap((r) => (r.outcome === "sent" ? [r.completion] : []));
    if (sent.length > 0) {
      const known = new Set(this.completions.map((c) => c.name));
      this.completions = [...this.completions, ...sent.filter((c) => !known.has(c.name))];
      this.online = true;
      try { await this.loadSummary(); } catch { /* the next load shows it */ }
    }
    return results;
  }

  override render() {
    const t = catalogue(this.locale);
    return html`
      <header><h2>${t.portal.title}</h2>${this.client ? html`<span class="muted">${this.client.displayName}</span>` : nothing}</header>
      <div class="help">
        <button class="help-now" @click=${this.needHelp}>${t.safety.helpNow}</button>
        ${this.keptPlan && !this.safetyFirst ? html`<button class="show-plan" @click=${this.showSafetyFirst}>${t.safety.showPlan}</button>` : nothing}
      </div>
      ${this.safetyFirst ? this.renderSafety(t) : this.renderPractice(t)}`;
  }

  /** The safety plan and the crisis resources, with nothing else but the way back. */
  private renderSafety(t: Catalogue) {
    const resources = this.crisisResources.length > 0 ? this.crisisResources : this.safety?.crisisResources() ?? [];
    // The status line stays: a PHQ-9 that brought the plan up says it was saved.
    return html`${this.message ? html`<p class="status" role="status" aria-live="polite">${this.message(t)}</p>` : nothing}
      <hw-safety-plan lang=${this.locale} .plan=${safetyPlanOf(this.keptPlan)} .crisisResources=${resources}
        .helpState=${this.helpState}></hw-safety-plan>
      <button class="back" @click=${this.closeSafety}>${t.safety.back}</button>`;
  }

  private renderPractice(t: Catalogue) {
    return html`
      ${!this.online ? html`<p class="banner offline" role="status">${t.portal.offline}</p>` : nothing}
      <p class="status" role="status" aria-live="polite">${this.message?.(t) ?? ""}</p>
      ${this.renderOutbox(t)}
      ${!this.loading && this.signIn !== "ok" ? this.renderSignIn(t) : html`<div role="tablist" aria-label=${t.portal.title} @keydown=${this.tabKeys}>
        ${VIEWS.map((view) => html`<button role="tab" id="tab-${view}" aria-controls="panel-${view}"
          aria-selected=${this.view === view ? "true" : "false"} tabindex=${this.view === view ? 0 : -1}
          @click=${() => this.show(view)}>${this.tabLabel(view, t)}</button>`)}
      </div>
      <section role="tabpanel" id="panel-${this.view}" aria-labelledby="tab-${this.view}" tabindex="0">
        ${this.loading ? html`<p>${t.portal.loading}</p>`
          : this.loadError ? html`<p class="error-text" role="alert">${t.portal.loadFailed}</p>
              <button @click=${() => this.load()}>${t.portal.retry}</button>`
          : this.view === "today" ? this.renderToday(t)
          : this.view === "progress" ? this.renderProgress(t)
          : this.renderMeasures(t)}
      </section>`}`;
  }

  /** Not signed in, or the sign-in ended: said plainly, without views that cannot load. */
  private renderSignIn(t: Catalogue) {
    return html`<section class="card sign-in" role="alert" data-sign-in=${this.signIn}>
      <p>${this.signIn === "signed-out" ? t.portal.signedOut : t.portal.sessionEnded}</p>
      ${this.api ? html`<button @click=${() => this.load()}>${t.portal.retry}</button>` : nothing}
    </section>`;
  }

  private tabLabel(view: View, t: Catalogue): string {
    return view === "today" ? t.portal.tabToday : view === "progress" ? t.portal.tabProgress : t.portal.tabMeasures;
  }

  private show(view: View): void {
    this.view = view;
    this.open = "";
  }

  /** Arrow keys, Home and End move between tabs (shared/tabs.ts). */
  private tabKeys(event: KeyboardEvent): void {
    const next = tabAfterKey(VIEWS, this.view, event.key);
    if (next === undefined) return;
    event.preventDefault();
    this.show(next);
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>(`#tab-${next}`)?.focus());
  }

  private renderOutbox(t: Catalogue) {
    if (this.outboxEntries.length === 0) return nothing;
    const title = (parent: string) => this.assignments.find((a) => a.name === parent)?.title ?? "";
    return html`<section class="card outbox" aria-labelledby="outbox-heading">
      <h3 id="outbox-heading">${t.portal.pendingCount(this.outboxEntries.length)}</h3>
      <ul>${this.outboxEntries.map((entry) => html`<li data-outbox-state=${entry.state}>
        ${title(entry.parent)}: <span class=${entry.state === "failed" ? "state-failed" : ""}>${
          entry.state === "queued" ? t.portal.stateQueued : entry.state === "sending" ? t.portal.stateSending : t.portal.stateFailed}</span>
        ${entry.state === "failed" ? html` <button @click=${() => this.discard(entry)}>${t.portal.close}</button>` : nothing}
      </li>`)}</ul></section>`;
  }

  private discard(entry: OutboxEntry): void {
    this.outbox?.discard(entry.requestId);
    this.outboxEntries = this.outbox?.entries() ?? [];
  }

  private today(): string {
    return localDay(new Date(), this.client?.timeZone || "UTC");
  }

  private renderToday(t: Catalogue) {
    const zone = this.client?.timeZone || "UTC";
    const due = dueToday(this.assignments, this.summary?.assignments ?? [], zone, pendingPractices(this.outboxEntries));
    if (due.length === 0) return html`<p>${t.portal.todayEmpty}</p>`;
    const toDo = due.filter((item) => item.done + item.pending < item.target).length;
    // Practices that share a title read apart by their start, and their Start buttons say it.
    const titles = due.map((item) => item.assignment.title);
    return html`<h3>${t.portal.dueCount(toDo)}</h3>
      <ul class="due" role="list" style="list-style:none;padding:0;margin:0">
        ${due.map((item) => {
          const sending = item.done + item.pending >= item.target;
          const period = (item.weekly ? t.adherence.thisWeek : t.adherence.today)(item.done, item.target);
          const twin = titles.filter((title) => title === item.assignment.title).length > 1;
          const started = `d-${cssId(item.assignment.name)}-started`;
          return html`<li class="card" data-assignment=${item.assignment.name} data-pending=${item.pending}
              data-completed=${item.done} data-expected=${item.target}>
          ${this.open === item.assignment.name ? this.renderForm(item.assignment) : html`
            <h4 tabindex="-1">${item.assignment.title}</h4>
            ${twin ? html`<p class="started" id=${started} data-started>${practiceStartLine(item.assignment, t, this.locale)}</p>` : nothing}
            <p class=${item.pending > 0 ? "pending" : "muted"} data-progress-today>${sending ? t.portal.allPending(item.pending)
              : item.pending > 0 ? t.portal.doneWithPending(period, item.pending) : period}</p>
            ${practiceBrief(item.assignment, t)}
            ${sending ? nothing : html`<button class="primary" aria-describedby=${twin ? started : nothing}
              @click=${() => this.start(item.assignment)}>${t.portal.start(item.assignment.title)}</button>`}`}
        </li>`;
        })}
      </ul>`;
  }

  private renderMeasures(t: Catalogue) {
    const measures = this.assignments.filter((a) => a.exercise?.kind === ExerciseKind.OUTCOME_MEASURE);
    if (measures.length === 0) return html`<p>${t.portal.noMeasures}</p>`;
    return html`<h3>${t.portal.tabMeasures}</h3><p>${t.portal.measuresIntro}</p>
      <ul role="list" style="list-style:none;padding:0;margin:0">${measures.map((assignment) => html`
        <li class="card" data-assignment=${assignment.name}>
          ${this.open === assignment.name ? this.renderForm(assignment) : html`
            <h4>${assignment.title}</h4>
            <button class="primary" @click=${() => this.start(assignment)}>${t.portal.start(assignment.title)}</button>`}
        </li>`)}</ul>`;
  }

  private renderForm(assignment: Assignment) {
    const details = assignment.exercise?.details;
    const hierarchy = details?.case === "exposurePractice"
      ? this.hierarchies.find((h) => h.name === details.value.hierarchy) : undefined;
    return html`<hw-completion-form lang=${this.locale} .assignment=${assignment} .hierarchy=${hierarchy}
      .fallbackTimeZone=${this.client?.timeZone ?? "UTC"} .crisisResources=${this.crisisResources}
      ?busy=${this.busy} @hw-completion-submit=${this.save} @hw-completion-cancel=${() => this.close(assignment.name)}>
    </hw-completion-form>`;
  }

  private start(assignment: Assignment): void {
    this.open = assignment.name;
    this.message = undefined;
    void this.updateComplete.then(() => {
      const form = this.renderRoot.querySelector("hw-completion-form");
      void form?.updateComplete.then(() => form.renderRoot.querySelector<HTMLElement>("input, textarea")?.focus());
    });
  }

  private close(name: string): void {
    this.open = "";
    void this.updateComplete.then(() => {
      const card = this.renderRoot.querySelector<HTMLElement>(`[data-assignment="${CSS.escape(name)}"]`);
      (card?.querySelector<HTMLElement>("button") ?? card?.querySelector<HTMLElement>("h4"))?.focus();
    });
  }

  /**
   * Puts the completion in the outbox, then tries to send it at once. Stored: thank and close.
   * Refused (invalid): show why at the fields and keep nothing queued, the client is still here
   * to fix it. Otherwise (offline, service unreachable): it stays queued and visible.
   */
  private async save(event: CustomEvent<CompletionSubmit>): Promise<void> {
    const t = catalogue(this.locale);
    const form = event.target as CompletionForm;
    if (!this.outbox || !this.api) return;
    const entry = this.outbox.add(event.detail.parent, event.detail.completion);
    this.outboxEntries = this.outbox.entries();
    this.busy = true;
    try {
      let mine = (await this.sendNow()).find((r) => r.requestId === entry.requestId);
      // A run already under way when we queued did not include this entry: run again.
      if (!mine) mine = (await this.sendNow()).find((r) => r.requestId === entry.requestId);
      if (mine?.outcome === "sent") {
        this.message = (t) => t.portal.saved;
        this.close(event.detail.parent);
      } else if (mine?.outcome === "refused") {
        this.outbox.discard(entry.requestId);
        this.outboxEntries = this.outbox.entries();
        form.showViolations(mine.error.fieldViolations.length > 0 ? mine.error.fieldViolations
          : [{ field: "completion", description: mine.error.message }]);
      } else {
        this.online = navigator.onLine;
        this.message = (t) => t.portal.savedOffline;
        this.close(event.detail.parent);
      }
      if (mine?.outcome !== "refused" && raisesFlag(event.detail.completion, form.assignment)) {
        // The service raises the flag with the answer (now, or when the outbox sends it).
        this.showSafetyFirst();
      }
    } finally {
      this.busy = false;
    }
  }

  private renderProgress(t: Catalogue) {
    const zone = this.client?.timeZone || "UTC";
    const practices = this.assignments.filter((a) => a.exercise?.kind !== ExerciseKind.OUTCOME_MEASURE);
    const series = sudsByStep(this.assignments, this.completions, this.hierarchies);
    const reviewed = this.completions
      .filter((c) => c.review && c.review.feedback)
      .sort((a, b) => Number((b.review?.reviewTime?.seconds ?? 0n) - (a.review?.reviewTime?.seconds ?? 0n)));
    return html`
      <h3>${t.portal.calendarHeading}</h3>
      ${practices.map((assignment) => {
        // The service's figures and calendar (shared/adherence.ts), the ones the therapist sees.
        const adherence = this.summary?.assignments.find((r) => r.assignment?.name === assignment.name)?.adherence;
        // Named by title and start: two practices of one title read (and are announced) apart.
        const id = `p-${cssId(assignment.name)}`;
        return html`<section class="card" data-progress=${assignment.name} aria-labelledby="${id} ${id}-started">
          <h4 id=${id}>${assignment.title}</h4>
          <p class="started" id="${id}-started" data-started>${practiceStartLine(assignment, t, this.locale)}</p>
          ${adherence ? html`${adherenceFigures(adherence, this.summary?.sinceTime, this.locale)}
            ${adherenceCalendar(assignment.name, assignment.title, adherence, this.locale)}` : nothing}
        </section>`;
      })}
      ${series.map((step) => html`<section class="card" data-suds-step=${step.key}>
        <hw-suds-chart lang=${this.locale} .heading=${t.portal.sudsHeading(step.situation)} .points=${step.points}
          .anchors=${step.hierarchy?.anchors} time-zone=${zone}></hw-suds-chart></section>`)}
      <section class="feedback" aria-labelledby="feedback-heading">
        <h3 id="feedback-heading">${t.portal.feedbackHeading}</h3>
        ${reviewed.length === 0 ? html`<p class="muted">${t.portal.noFeedback}</p>` : html`<ul>
          ${reviewed.map((c) => html`<li class="card" data-feedback=${c.name}>
            <strong>${this.assignments.find((a) => a.name === c.name.replace(/\/completions\/[^/]+$/, ""))?.title ?? ""}</strong>,
            ${c.occurTime ? formatDay(this.locale, timestampDate(c.occurTime)) : ""}
            <blockquote>${c.review?.feedback}</blockquote></li>`)}
        </ul>`}
      </section>`;
  }
}

/** `crisis-resources` attribute: a JSON array of {name, phone?, url?, text?}; bad JSON is none. */
function parseResources(value: string | null): CrisisResource[] {
  if (!value) return [];
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed)
      ? parsed.filter((r): r is CrisisResource => typeof r === "object" && r !== null && typeof (r as CrisisResource).name === "string")
      : [];
  } catch {
    return [];
  }
}

/** A PHQ-9 answer with question 9 above 0: the service raises an urgent flag with it. */
function raisesFlag(completion: Completion, assignment: Assignment | undefined): boolean {
  const details = assignment?.exercise?.details;
  return details?.case === "outcomeMeasure" && details.value.measure === Measure.PHQ9 &&
    completion.record.case === "measure" && (completion.record.value.itemScores[8] ?? 0) > 0;
}

function cssId(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, "-");
}

declare global {
  interface HTMLElementTagNameMap {
    "homework-portal": HomeworkPortal;
  }
}
