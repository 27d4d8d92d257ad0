// Element ids from resource names: a panel labels each section with an id derived from the
// resource it shows, so labels stay unique when several panels share a page.

/** `practices/p/clients/c` -> `practices_p_clients_c`. */
export function idOf(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, "_");
}
