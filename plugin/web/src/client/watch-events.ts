// Live events for a page that talks to the service over HTTP (no session relay): one WatchEvents
// stream for one client, resumed after the last cursor seen when it ends or fails (a deadline, a
// network change), with a pause between attempts. The portal uses it to show the therapist's
// feedback as soon as it is written; the review panel outside a session for new work and flags.
import type { HomeworkClient } from "./homework-client.js";
import type { Event as HomeworkEvent } from "../gen/therapy/homework/v1/event_pb.js";

/** How long to wait before reopening a stream that ended or failed. */
const RETRY_MS = 5_000;

/** What a watch asks for beyond the events themselves. */
export interface WatchOptions {
  /** An assignment's events carry the assignment (each one audited as a read by the service). */
  includeAssignments?: boolean;
}

/**
 * Calls `onEvent` for each event of `client` (`practices/{p}/clients/{c}`) from now on until
 * `signal` aborts. Never throws; a failed stream is reopened after RETRY_MS.
 */
export async function watchClientEvents(api: HomeworkClient, client: string,
                                        onEvent: (event: HomeworkEvent) => void, signal: AbortSignal,
                                        options: WatchOptions = {}): Promise<void> {
  const parent = client.split("/clients/")[0] ?? "";
  const includeAssignments = options.includeAssignments ?? false;
  let afterCursor = "";
  while (!signal.aborted) {
    try {
      for await (const event of api.watchEvents({ parent, client, afterCursor, includeAssignments }, { signal })) {
        afterCursor = event.cursor;
        onEvent(event);
      }
    } catch {
      // Ended by a deadline, the network or an abort; reopened below unless aborted.
    }
    if (signal.aborted) return;
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  }
}
