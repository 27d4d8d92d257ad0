// How an assignment's practice stands, in words and as a calendar, from the service's figures
// (GetReviewSummary's Adherence: core/clinical/practice_periods.h). The one wording of those
// figures for the therapist's review and the client's portal: nothing here counts completions,
// so every view shows the same numbers, each saying its period; a weekly practice is told in
// weeks and its calendar has a row per week, never coloured days.
import { css, html, nothing, type TemplateResult } from "lit";
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { Schedule_Period } from "../gen/therapy/homework/v1/assignment_pb.js";
import { PracticePeriod_State, type Adherence, type PracticePeriod }
  from "../gen/therapy/homework/v1/review_summary_pb.js";
import { catalogue, formatDay, type Locale } from "./i18n.js";
import { dateFormat } from "./intl-formats.js";

/** Whether the figures count weeks (a weekly schedule) rather than days. */
export function inWeeks(adherence: Adherence): boolean {
  return adherence.period === Schedule_Period.WEEK;
}

/** Above 1, the streak, the current period and the calendar's rows are blocks of this many periods. */
function blockOf(adherence: Adherence): number {
  return Math.max(1, adherence.interval);
}

/** The figures as short sentences, each naming its period. */
export interface AdherenceWords {
  /** "Since Thu 19 Nov: 3 of 4 practices done over 1 week (1 still open)". */
  sincePeriod: string;
  /** "This week: 3 of 4 done" or "Today: 1 of 3 done"; "" when the period expects nothing. */
  current: string;
  /** "Streak: 2 weeks", with the forgiven misses when there are any. */
  streak: string;
}

/** The figures of `adherence` over the period that began at `since`, in `locale`. */
export function adherenceWords(adherence: Adherence, since: Timestamp | undefined, locale: Locale): AdherenceWords {
  const t = catalogue(locale).adherence;
  const weeks = inWeeks(adherence);
  const start = since ? formatDay(locale, timestampDate(since)) : "";
  const current = adherence.currentPeriod;
  const open = adherence.openCount > 0 ? ` ${t.stillOpen(adherence.openCount)}` : "";
  return {
    sincePeriod: `${t.since(start)} ${t.doneOver(adherence.completedCount, adherence.targetCount,
      adherence.periodsElapsed, weeks)}${open}`,
    current: current && current.expectedCount > 0
      ? blockOf(adherence) > 1
        ? t.thisBlock(formatDay(locale, current.firstDay), formatDay(locale, current.lastDay),
          current.completedCount, current.expectedCount)
        : (weeks ? t.thisWeek : t.today)(current.completedCount, current.expectedCount) : "",
    streak: `${blockOf(adherence) > 1 ? t.streakBlocks(adherence.streak, blockOf(adherence), weeks)
      : t.streak(adherence.streak, weeks)}${adherence.streakForgiven > 0
      ? ` ${t.forgiven(adherence.streakForgiven, weeks)}` : ""}`,
  };
}

/**
 * The figures as a small block: the period's count, the current period and the streak. Each line
 * carries data attributes with the numbers (`data-completed`, `data-expected`, ...) so tests can
 * compare views without parsing text.
 */
export function adherenceFigures(adherence: Adherence, since: Timestamp | undefined, locale: Locale): TemplateResult {
  const words = adherenceWords(adherence, since, locale);
  const current = adherence.currentPeriod;
  return html`<div class="adherence" data-adherence data-period=${inWeeks(adherence) ? "week" : "day"}>
    <p data-since-period data-completed=${adherence.completedCount} data-expected=${adherence.targetCount}
      data-periods=${adherence.periodsElapsed} data-open=${adherence.openCount}>${words.sincePeriod}</p>
    ${words.current ? html`<p data-current-period data-completed=${current?.completedCount ?? 0}
      data-expected=${current?.expectedCount ?? 0}>${words.current}</p>` : nothing}
    <p data-streak=${adherence.streak} data-forgiven=${adherence.streakForgiven}>${words.streak}</p>
  </div>`;
}

/** Rules for `adherenceCalendar`; include them in the element's styles. */
export const adherenceStyles = css`
  .adherence p { margin: 0 0 4px; }
  table.calendar { border-collapse: collapse; width: 100%; table-layout: fixed; font-size: var(--hw-text-sm); margin-top: 4px; }
  table.calendar th, table.calendar td { border: 1px solid var(--hw-border-subtle); padding: 2px 4px; text-align: center; height: 2.25rem; }
  table.calendar.weeks th[scope="row"], table.calendar.weeks td { text-align: left; }
  table.calendar th[scope="row"] { font-weight: 400; }
  table.calendar .met { background: var(--hw-success-surface); font-weight: 700; }
  table.calendar .partly, table.calendar .open-some { background: var(--hw-warning-surface); }
  table.calendar .missed { background: var(--hw-bg); }
  table.calendar .off { background: var(--hw-surface); color: var(--hw-muted); }
  table.calendar caption { text-align: left; font-weight: 600; margin-bottom: 4px; }
  .legend { font-size: var(--hw-text-sm); color: var(--hw-muted); margin: 4px 0 0; }
`;

/** The class a period's cell is drawn with. */
function cellClass(period: PracticePeriod): string {
  switch (period.state) {
    case PracticePeriod_State.MET: return "met";
    case PracticePeriod_State.PARTLY_MET: return "partly";
    case PracticePeriod_State.MISSED: return "missed";
    case PracticePeriod_State.OPEN: return period.completedCount > 0 ? "open-some" : "open";
    default: return "off";
  }
}

/** How a period stands, in words. */
function stateText(period: PracticePeriod, locale: Locale): string {
  const t = catalogue(locale).adherence;
  switch (period.state) {
    case PracticePeriod_State.MET: return t.stateMet;
    case PracticePeriod_State.PARTLY_MET: return t.statePartly;
    case PracticePeriod_State.MISSED: return t.stateMissed;
    case PracticePeriod_State.OPEN: return t.stateOpen;
    case PracticePeriod_State.UPCOMING: return t.stateUpcoming;
    default: return t.stateNotScheduled;
  }
}

/** What a period's cell shows: "2" (or "2◆" with the two-minute version), "–" for none, "" when off. */
function mark(period: PracticePeriod): string {
  if (period.state === PracticePeriod_State.NOT_SCHEDULED || period.state === PracticePeriod_State.UPCOMING) {
    return period.extraCount > 0 ? String(period.extraCount) : "";
  }
  const done = period.completedCount + period.extraCount;
  if (done === 0) return "–";
  return `${done}${period.minimumVersionCount > 0 ? "◆" : "■"}`;
}

/**
 * The calendar of `adherence` (the last four weeks from the service) as a real table: for a daily
 * schedule a week per row and a day per column, for a weekly one a week per row with its count
 * against the week's target and how it stands. `name` tells the table apart (`data-calendar`).
 */
export function adherenceCalendar(name: string, title: string, adherence: Adherence, locale: Locale): TemplateResult {
  const t = catalogue(locale).adherence;
  const caption = html`<caption class="visually-hidden">${t.calendarCaption(title)}</caption>`;
  const blocks = blockOf(adherence) > 1;
  if (inWeeks(adherence) || blocks) {
    return html`<table class="calendar weeks" data-calendar=${name} data-period=${blocks ? "block" : "week"}>
      ${caption}
      <thead><tr><th scope="col">${t.week}</th><th scope="col">${t.done}</th><th scope="col">${t.state}</th></tr></thead>
      <tbody>${adherence.calendar.map((week) => html`<tr data-first-day=${week.firstDay}
          data-completed=${week.completedCount} data-expected=${week.expectedCount} data-state=${PracticePeriod_State[week.state]}>
        <th scope="row">${blocks ? t.fromTo(formatDay(locale, week.firstDay), formatDay(locale, week.lastDay))
          : t.weekOf(formatDay(locale, week.firstDay))}</th>
        <td class=${cellClass(week)}>${week.expectedCount > 0
          ? t.countOf(week.completedCount, week.expectedCount) : week.extraCount > 0 ? String(week.extraCount) : ""}</td>
        <td class=${cellClass(week)}>${stateText(week, locale)}</td>
      </tr>`)}</tbody></table>
      <p class="legend">${blocks ? t.blockLegend : t.weeklyLegend}</p>`;
  }
  const rows: PracticePeriod[][] = [];
  for (let i = 0; i < adherence.calendar.length; i += 7) rows.push(adherence.calendar.slice(i, i + 7));
  const first = rows[0] ?? [];
  const weekday = (day: string, style: "narrow" | "long") =>
    dateFormat(locale, { weekday: style, timeZone: "UTC" }).format(new Date(`${day}T12:00:00Z`));
  return html`<table class="calendar days" data-calendar=${name} data-period="day">
    ${caption}
    <thead><tr>${first.map((d) => html`<th scope="col"><abbr title=${weekday(d.firstDay, "long")}>${weekday(d.firstDay, "narrow")}</abbr></th>`)}</tr></thead>
    <tbody>${rows.map((week) => html`<tr>${week.map((day) => html`<td class=${cellClass(day)} data-day=${day.firstDay}
        data-done=${day.completedCount + day.extraCount} data-completed=${day.completedCount} data-expected=${day.expectedCount} data-state=${PracticePeriod_State[day.state]}>
      <span aria-hidden="true">${mark(day)}</span>
      <span class="visually-hidden">${t.dayCell(formatDay(locale, day.firstDay), day.completedCount + day.extraCount,
        day.expectedCount, stateText(day, locale))}</span></td>`)}</tr>`)}</tbody></table>
    <p class="legend">■ ${t.legendDone} · ◆ ${t.legendMinimum} · – ${t.legendNone}</p>`;
}
