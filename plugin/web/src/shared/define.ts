/**
 * `@defineElement("name")`: registers a custom element unless the page has it already. The
 * portal and the session panels are separate bundles that share elements (hw-suds-chart); a
 * page embedding both would otherwise throw on the second `customElements.define`.
 */
export function defineElement(name: string) {
  return (element: CustomElementConstructor): void => {
    if (customElements.get(name) === undefined) customElements.define(name, element);
  };
}
