// <hw-safety-flags>: a client's urgent flags that still need someone, in the therapist's review:
// escalated first, then open, then acknowledged (each oldest first), with the state, what raised
// it, its age and when it escalates. A care-team therapist acknowledges an open flag with a note
// (AcknowledgeSafetyFlag) and resolves an open or acknowledged one with a note
// (ResolveSafetyFlag); a missing note is refused at the field before anything is sent, and the
// service's own refusal (a field violation, a stale etag) is shown there too. The host calls
// `load()` when a flag event arrives (the review panel does, from the session relay or
// WatchEvents). Fires `homework-flags-changed` ({open}: flags not yet acknowledged), bubbling
// and composed, after every load, so the dock can show the count on its Review tab.
import { LitElement, html, nothing, type PropertyValues, type TemplateResult } from "lit";
import { property, state } from "lit/decorators.js";
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { defineElement } from "../shared/define.js";
import { catalogue, elementLocale, type Locale, type Say } from "../shared/i18n.js";
import type { HomeworkClient } from "../client/homework-client.js";
import { toApiError } from "../client/errors.js";
import { FlagReason_Code, SafetyFlag_Source, SafetyFlag_State, type FlagReason, type SafetyFlag }
  from "../gen/therapy/homework/v1/safety_flag_pb.js";
import { Measure } from "../gen/therapy/homework/v1/assignment_pb.js";
import { idOf } from "../panels/dom-ids.js";
import { reviewStyles } from "./styles.js";
import { relativeTimeFormat } from "../shared/intl-formats.js";

/** The detail of `homework-flags-changed`. */
export interface FlagsChangedDetail {
  /** Flags raised and not yet acknowledged (open or escalated). */
  open: number;
}

type Action = "acknowledge" | "resolve";
const NOTE_MAX = 1000;

@defineElement("hw-safety-flags")
export class SafetyFlags extends LitElement {
  static override styles = reviewStyles;

  @property({ attribute: false }) api?: HomeworkClient;
  /** The client, `practices/{p}/clients/{c}`. */
  @property() client = "";

  @state() private flags: SafetyFlag[] = [];
  @state() private loaded = false;
  @state() private errors = new Map<string, string>();
  @state() private busy = "";
  /** The newest acknowledge/resolve line, in the language of the moment it shows. */
  @state() private message?: Say;
  @state() private loadError = "";
  private ticker?: ReturnType<typeof setInterval>;

  override connectedCallback(): void {
    super.connectedCallback();
    // Ages ("raised 12 minutes ago") stay true while the page is open.
    this.ticker = setInterval(() => this.requestUpdate(), 30_000);
  }

  override disconnectedCallback(): void {
    clearInterval(this.ticker);
    super.disconnectedCallback();
  }

  override updated(changed: PropertyValues<this>): void {
    if (changed.has("api") || changed.has("client")) void this.load();
  }

  /** Reloads the flags that still need someone (open, escalated, acknowledged). */
  async load(): Promise<void> {
    if (this.api === undefined || this.client === "") return;
    try {
      const response = await this.api.listSafetyFlags({ parent: this.client, pageSize: 100,
        states: [SafetyFlag_State.OPEN, SafetyFlag_State.ACKNOWLEDGED] });
      this.flags = [...response.safetyFlags].sort(byUrgency);
      this.loadError = "";
    } catch (error) {
      this.loadError = toApiError(error).codeName;
    }
    this.loaded = true;
    const open = this.flags.filter((f) => f.state === SafetyFlag_State.OPEN).length;
    this.dispatchEvent(new CustomEvent<FlagsChangedDetail>("homework-flags-changed",
      { bubbles: true, composed: true, detail: { open } }));
  }

  /** How many flags are open (not yet acknowledged). */
  get openCount(): number {
    return this.flags.filter((f) => f.state === SafetyFlag_State.OPEN).length;
  }

  override render(): TemplateResult {
    const locale = elementLocale(this);
    const t = catalogue(locale).review;
    return html`
      <section class="flags ${this.flags.length > 0 ? "has-flags" : ""}" aria-labelledby="flags-title">
        <h3 id="flags-title">${t.flagsTitle}${this.flags.length > 0 ? html` <span class="count">(${this.flags.length})</span>` : nothing}</h3>
        ${this.loadError ? html`<p class="error" role="alert">${t.flagFailed(this.loadError)}</p>` : nothing}
        ${this.loaded && this.flags.length === 0 && !this.loadError ? html`<p class="muted">${t.flagsNone}</p>` : nothing}
        <ul class="flag-list">${this.flags.map((flag) => this.renderFlag(flag, locale))}</ul>
        <p class="flag-status" role="status">${this.message?.(catalogue(locale)) ?? ""}</p>
      </section>`;
  }

  private renderFlag(flag: SafetyFlag, locale: Locale): TemplateResult {
    const t = catalogue(locale).review;
    const id = idOf(flag.name);
    const stateKey = stateOf(flag);
    const error = this.errors.get(flag.name) ?? "";
    const open = flag.state === SafetyFlag_State.OPEN;
    return html`
      <li class="flag state-${stateKey.toLowerCase()}" data-flag=${flag.name} data-state=${stateKey}
          data-completion=${flag.completion || nothing}>
        <p class="flag-head">
          <span class="badge badge-${stateKey.toLowerCase()}">${t.flagState[stateKey]}</span>
          <strong>${t.flagSource[SafetyFlag_Source[flag.source]] ?? t.flagSource.UNSPECIFIED}</strong>
        </p>
        <p class="flag-times" data-part="age">${t.raised(ago(flag.raiseTime, locale))}${flag.escalateTime
          ? html` · <strong>${t.escalated(ago(flag.escalateTime, locale))}</strong>`
          : open && flag.escalationDueTime ? ` · ${t.escalatesAt(ago(flag.escalationDueTime, locale))}` : nothing}</p>
        ${renderReason(flag, locale)}
        ${flag.state === SafetyFlag_State.ACKNOWLEDGED ? html`<p data-part="acknowledged">${t.acknowledgedNote(
          ago(flag.acknowledgeTime, locale), flag.acknowledgeNote)}</p>` : nothing}
        <form class="flag-form" @submit=${(e: SubmitEvent) => e.preventDefault()}>
          <label for="note-${id}">${t.flagNote}</label>
          <textarea id="note-${id}" name="note" rows="2" maxlength=${NOTE_MAX} required
            aria-invalid=${error ? "true" : "false"} aria-describedby=${error ? `note-error-${id}` : nothing}
            @input=${() => this.clearError(flag.name)}></textarea>
          ${error ? html`<p class="field-error" id="note-error-${id}">${error}</p>` : nothing}
          <div class="actions">
            ${open ? html`<button type="button" class="primary" data-action="acknowledge" ?disabled=${this.busy === flag.name}
              @click=${() => this.act(flag, "acknowledge")}>${t.acknowledge}</button>` : nothing}
            <button type="button" class=${open ? "" : "primary"} data-action="resolve" ?disabled=${this.busy === flag.name}
              @click=${() => this.act(flag, "resolve")}>${t.resolve}</button>
          </div>
        </form>
      </li>`;
  }

  private clearError(name: string): void {
    if (!this.errors.has(name)) return;
    const errors = new Map(this.errors);
    errors.delete(name);
    this.errors = errors;
  }

  private setError(name: string, message: string): void {
    this.errors = new Map(this.errors).set(name, message);
  }

  private async act(flag: SafetyFlag, action: Action): Promise<void> {
    const t = catalogue(elementLocale(this)).review;
    const textarea = this.renderRoot.querySelector<HTMLTextAreaElement>(`#note-${idOf(flag.name)}`);
    const note = textarea?.value.trim() ?? "";
    if (note === "") {
      this.setError(flag.name, t.noteRequired);
      await this.updateComplete;
      textarea?.focus();
      return;
    }
    if (this.api === undefined) return;
    this.busy = flag.name;
    this.message = undefined;
    try {
      const request = { name: flag.name, etag: flag.etag, note };
      if (action === "acknowledge") await this.api.acknowledgeSafetyFlag(request);
      else await this.api.resolveSafetyFlag(request);
      if (textarea) textarea.value = "";
      this.clearError(flag.name);
      this.message = action === "acknowledge" ? (c) => c.review.acknowledgedNow : (c) => c.review.resolvedNow;
      await this.load();
    } catch (error) {
      const failure = toApiError(error);
      if (failure.fieldViolations.some((v) => v.field === "note")) {
        this.setError(flag.name, note.length > NOTE_MAX ? t.noteTooLong : t.noteRequired);
      } else if (failure.code === Code.Aborted || failure.code === Code.FailedPrecondition) {
        this.setError(flag.name, t.flagChanged);
        await this.load();
      } else {
        this.setError(flag.name, t.flagFailed(failure.codeName));
      }
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLTextAreaElement>(`#note-${idOf(flag.name)}`)?.focus();
    } finally {
      this.busy = "";
    }
  }
}

/**
 * Why a flag was raised, in the reader's language, from its code and figures; the client's own
 * words as they wrote them. A flag stored before codes existed shows its (English) text.
 */
function renderReason(flag: SafetyFlag, locale: Locale): TemplateResult | typeof nothing {
  const text = flagReasonText(flag.codedReason, locale);
  if (text === "") return flag.reason ? html`<blockquote data-part="reason">${flag.reason}</blockquote>` : nothing;
  const words = flag.codedReason?.clientWords ?? "";
  return html`<p data-part="reason" data-code=${FlagReason_Code[flag.codedReason!.code]}>${text}</p>${words
    ? html`<blockquote data-part="client-words">${words}</blockquote>` : nothing}`;
}

/** A FlagReason worded for the reader (the client's words go beside it); "" when it has no code. */
export function flagReasonText(reason: FlagReason | undefined, locale: Locale): string {
  const t = catalogue(locale);
  const words = t.review.flagReason;
  switch (reason?.code) {
    case FlagReason_Code.PHQ9_ITEM_9_ABOVE_THRESHOLD:
      return words.phq9Item(reason.item, reason.answer, t.form.measureChoice[reason.answer] ?? String(reason.answer),
        reason.threshold, reason.total);
    case FlagReason_Code.MEASURE_MARKED_URGENT:
      return words.markedUrgent(t.measureName[Measure[reason.measure]] ?? Measure[reason.measure], reason.total);
    case FlagReason_Code.CLIENT_ASKED_FOR_HELP:
      // The flag's heading already says the client asked for help.
      return reason.clientWords ? words.clientWords : words.clientNoWords;
    default:
      return "";
  }
}

/** OPEN with escalate_time reads ESCALATED; otherwise the state's name. */
function stateOf(flag: SafetyFlag): string {
  if (flag.state === SafetyFlag_State.OPEN && flag.escalateTime) return "ESCALATED";
  return SafetyFlag_State[flag.state];
}

/** Escalated, then open, then acknowledged; oldest raised first within each. */
function byUrgency(a: SafetyFlag, b: SafetyFlag): number {
  const rank = (f: SafetyFlag) => (stateOf(f) === "ESCALATED" ? 0 : f.state === SafetyFlag_State.OPEN ? 1 : 2);
  return rank(a) - rank(b) || seconds(a.raiseTime) - seconds(b.raiseTime);
}

function seconds(time: Timestamp | undefined): number {
  return time ? Number(time.seconds) : 0;
}

/** "12 minutes ago", "in 48 minutes", "hace 2 horas". */
function ago(time: Timestamp | undefined, locale: Locale): string {
  if (time === undefined) return "";
  const minutes = Math.round((timestampDate(time).getTime() - Date.now()) / 60_000);
  const format = relativeTimeFormat(locale, { numeric: "auto" });
  if (Math.abs(minutes) < 60) return format.format(minutes, "minute");
  if (Math.abs(minutes) < 48 * 60) return format.format(Math.round(minutes / 60), "hour");
  return format.format(Math.round(minutes / 1440), "day");
}

declare global {
  interface HTMLElementTagNameMap {
    "hw-safety-flags": SafetyFlags;
  }
}
