// The localisation setup of every browser piece. Each element picks its catalogue from its own
// `lang` attribute (or the nearest ancestor's, then the page's), not from one global locale: a
// widget embedded in a platform page may speak the client's language while the page does not.
// Adding a locale: a catalogue under src/i18n/ typed `Catalogue`, then one line in `catalogues`.
import { en, type Catalogue } from "../i18n/en.js";
import { es } from "../i18n/es.js";
import { dateFormat } from "./intl-formats.js";

export type { Catalogue };

/** The locales with a catalogue, English first (the fallback). */
export const supportedLocales = ["en", "es"] as const;
export type Locale = (typeof supportedLocales)[number];

const catalogues: Record<Locale, Catalogue> = { en, es };

/** The best supported locale for a BCP 47 tag (`es-MX` -> `es`); English when none fits. */
export function resolveLocale(tag: string | null | undefined): Locale {
  const language = (tag ?? "").trim().toLowerCase().split(/[-_]/)[0] ?? "";
  return (supportedLocales as readonly string[]).includes(language) ? (language as Locale) : "en";
}

/** The catalogue of `locale`. */
export function catalogue(locale: Locale): Catalogue {
  return catalogues[locale];
}

/**
 * The locale an element should speak: its `lang`, or the nearest ancestor's, looking out through
 * the shadow roots it sits in; else the document's.
 */
export function elementLocale(element: Element): Locale {
  let node: Element | null = element;
  while (node) {
    const withLang = node.closest("[lang]");
    if (withLang) return resolveLocale(withLang.getAttribute("lang"));
    const root = node.getRootNode();
    node = root instanceof ShadowRoot ? root.host : null;
  }
  return resolveLocale(document.documentElement.lang);
}

/** A date (`YYYY-MM-DD` or Date) as the locale writes it, e.g. "Mon 3 Mar". */
export function formatDay(locale: Locale, day: string | Date): string {
  const date = typeof day === "string" ? new Date(`${day}T12:00:00Z`) : day;
  return dateFormat(locale, {
    weekday: "short", day: "numeric", month: "short", timeZone: typeof day === "string" ? "UTC" : undefined,
  }).format(date);
}

/**
 * A status or announcement line kept until it is shown: a message of the catalogue, not its text,
 * so it reads in the element's language when it renders (a page may switch language after the
 * line was made). `(t) => t.panels.discarded`.
 */
export type Say = (t: Catalogue) => string;
