// One person's edits of one draft in a live session, shared by the therapist's assign panel and
// the client's session panel: what the form shows (`view`: the stored draft with this person's
// unsent edits over it), and the saves (UpdateAssignment naming only the fields this person
// changed, one call in flight at a time, the latest edit sent next). Another person's change
// (`remote`) replaces the fields it touched unless this person is editing the same one, so
// typing is never overwritten by an echo.

import type { Assignment } from "../gen/therapy/homework/v1/assignment_pb.js";
import { changedPaths, compareUpdates, withPaths, type LiveSession } from "../client/live-session.js";

export class DraftEditor {
  /** The draft as last stored. */
  server: Assignment;
  private local?: Assignment;
  private sending = false;
  private flushing?: Promise<void>;

  /**
   * `onChange` is called whenever `view` changes; `onError` with a failed save (the unsent edit
   * is dropped and the stored draft shown again).
   */
  constructor(
    private readonly live: LiveSession,
    draft: Assignment,
    private readonly onChange: () => void,
    private readonly onError: (error: unknown) => void,
  ) {
    this.server = draft;
  }

  get name(): string {
    return this.server.name;
  }

  /** What the form shows. */
  get view(): Assignment {
    return this.local ?? this.server;
  }

  /** Whether an edit is waiting or on its way. */
  get busy(): boolean {
    return this.sending || this.local !== undefined;
  }

  /** Resolves once every edit made so far is stored (or failed). */
  async settled(): Promise<void> {
    while (this.flushing !== undefined) await this.flushing;
  }

  /**
   * The person changed the form: `next` is the whole draft as the form now reads. With `send`
   * false (a required field is empty while being retyped) it is kept on the page only, and sent
   * with the next edit that may be.
   */
  edit(next: Assignment, send = true): void {
    if (changedPaths(this.server, next).length === 0 && !this.sending) {
      this.local = undefined;
      return;
    }
    this.local = next;
    this.onChange();
    if (send && !this.sending) this.flushing = this.flush().finally(() => { this.flushing = undefined; });
  }

  /** A stored copy from someone else (or an event's re-read of one's own). */
  remote(draft: Assignment): void {
    if (draft.name !== this.server.name) return;
    const before = this.server;
    this.server = draft;
    if (this.local !== undefined) {
      const mine = new Set(changedPaths(before, this.local));
      const theirs = changedPaths(before, draft).filter((path) => !mine.has(path));
      this.local = withPaths(this.local, draft, theirs);
      if (!this.sending && changedPaths(draft, this.local).length === 0) this.local = undefined;
    }
    this.onChange();
  }

  /** Sends the unsent edits until there are none. */
  private async flush(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.local !== undefined) {
        const sent = this.local;
        const paths = changedPaths(this.server, sent);
        if (paths.length === 0) {
          this.local = undefined;
          break;
        }
        const stored = await this.live.updateDraft(sent, paths);
        if (compareUpdates(stored, this.server) >= 0) this.server = stored;
        if (this.local === sent || changedPaths(this.server, this.local).length === 0) this.local = undefined;
      }
    } catch (error) {
      this.local = undefined;
      this.onError(error);
    } finally {
      this.sending = false;
      this.onChange();
    }
  }
}

