// What every chart element (shared/*-chart.ts) has: its points oldest first, an optional heading,
// the shared chart styles (a subclass lists `Chart.styles` before its own), and the language of
// the page around it, read at each render so a change of `lang` shows at the next one.
import { LitElement, type CSSResultGroup } from "lit";
import { property } from "lit/decorators.js";
import { baseStyles, chartStyles } from "./styles.js";
import { elementLocale, type Locale } from "./i18n.js";

export abstract class Chart<Point> extends LitElement {
  static override styles: CSSResultGroup = [baseStyles, chartStyles];

  /** The points in time order, oldest first. */
  @property({ attribute: false }) points: Point[] = [];
  /** Optional. The heading: the figure's caption, said first in its accessible name. */
  @property() heading = "";

  protected get locale(): Locale {
    return elementLocale(this);
  }
}
