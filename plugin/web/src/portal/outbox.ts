// The portal's outbox: every completion the client saves goes here first, with a request id made
// once on the device, and is sent from here, now if the service is reachable or when the
// connection returns. Resends carry the same request_id, so the service stores the completion
// exactly once however often a flaky connection makes us retry (CreateCompletionRequest). The
// queue lives in localStorage (docs/decisions/0008-browser-stack.md), one key per client, so a
// reload or a closed tab loses nothing; the entries stay visible to the client with their state.
import { fromJson, toJson, type JsonValue } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { CompletionSchema, type Completion } from "../gen/therapy/homework/v1/completion_pb.js";
import type { HomeworkClient } from "../client/homework-client.js";
import { toApiError, type ApiError } from "../client/errors.js";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { counts, type PendingPractice } from "./practice-days.js";

/** Where an entry is: waiting, being sent, or refused by the service (kept for the client). */
export type OutboxState = "queued" | "sending" | "failed";

/** One completion waiting to be sent. */
export interface OutboxEntry {
  /** The request_id of CreateCompletion; made once, when the client saved. */
  requestId: string;
  /** The assignment's resource name. */
  parent: string;
  /** The completion as proto JSON. */
  completion: JsonValue;
  state: OutboxState;
  /** When the client saved it (ms since the epoch). */
  savedAt: number;
  /** For `failed`: the Connect code name, e.g. `invalid_argument`. */
  error?: string;
}

/** The result of sending one entry. */
export type SendResult = { requestId: string } & (
  | { outcome: "sent"; completion: Completion }
  | { outcome: "kept"; error: ApiError }      // offline or retryable: stays queued
  | { outcome: "refused"; error: ApiError }); // the service said no: marked failed

/** A completion outbox for one client on this device. */
export class Outbox {
  private readonly key: string;
  private flushing: Promise<SendResult[]> | undefined;

  /** `client` is the client's resource name; `storage` is localStorage unless a test passes one. */
  constructor(client: string, private readonly storage: Storage = localStorage) {
    this.key = `homework-portal/outbox/${client}`;
  }

  /** The entries, oldest first. */
  entries(): OutboxEntry[] {
    try {
      const parsed: unknown = JSON.parse(this.storage.getItem(this.key) ?? "[]");
      return Array.isArray(parsed) ? (parsed as OutboxEntry[]) : [];
    } catch {
      return [];
    }
  }

  /** Adds a completion for `parent`; returns its entry. Nothing is sent yet: call flush(). */
  add(parent: string, completion: Completion): OutboxEntry {
    const entry: OutboxEntry = {
      requestId: newRequestId(), parent, completion: toJson(CompletionSchema, completion),
      state: "queued", savedAt: Date.now(),
    };
    this.write([...this.entries(), entry]);
    return entry;
  }

  /** Removes a failed entry the client dismissed. */
  discard(requestId: string): void {
    this.write(this.entries().filter((e) => e.requestId !== requestId));
  }

  /**
   * Sends every queued entry in order, one at a time; concurrent calls share one run. An entry
   * the service stored is removed; one refused (invalid, not allowed) is marked `failed`; on a
   * network error or UNAVAILABLE the run stops and the rest stays queued for the next flush.
   * Entries left `sending` by a page that closed mid-call are sent again (same request id).
   */
  flush(client: HomeworkClient, onChange: () => void = () => {}): Promise<SendResult[]> {
    if (!this.flushing) {
      this.flushing = this.run(client, onChange).finally(() => { this.flushing = undefined; });
    }
    return this.flushing;
  }

  private async run(client: HomeworkClient, onChange: () => void): Promise<SendResult[]> {
    const results: SendResult[] = [];
    for (const pending of this.entries().filter((e) => e.state !== "failed")) {
      this.update(pending.requestId, { state: "sending" });
      onChange();
      try {
        const completion = await client.createCompletion({
          parent: pending.parent,
          completion: fromJson(CompletionSchema, pending.completion),
          requestId: pending.requestId,
        });
        this.write(this.entries().filter((e) => e.requestId !== pending.requestId));
        results.push({ requestId: pending.requestId, outcome: "sent", completion });
        onChange();
      } catch (thrown) {
        const error = toApiError(thrown);
        if (isTransient(error)) {
          this.update(pending.requestId, { state: "queued" });
          results.push({ requestId: pending.requestId, outcome: "kept", error });
          onChange();
          break;
        }
        this.update(pending.requestId, { state: "failed", error: error.codeName });
        results.push({ requestId: pending.requestId, outcome: "refused", error });
        onChange();
      }
    }
    return results;
  }

  private update(requestId: string, change: Partial<OutboxEntry>): void {
    this.write(this.entries().map((e) => (e.requestId === requestId ? { ...e, ...change } : e)));
  }

  private write(entries: OutboxEntry[]): void {
    this.storage.setItem(this.key, JSON.stringify(entries));
  }
}

/**
 * The practices the entries hold that still count as being sent (queued or sending, not refused),
 * skips left out: what Today shows as "saved on this device, sending".
 */
export function pendingPractices(entries: OutboxEntry[]): PendingPractice[] {
  return entries.flatMap((entry) => {
    if (entry.state === "failed") return [];
    try {
      const completion = fromJson(CompletionSchema, entry.completion);
      return counts(completion) && completion.occurTime
        ? [{ parent: entry.parent, occurTime: timestampDate(completion.occurTime) }] : [];
    } catch {
      return [];
    }
  });
}

/**
 * Whether to keep an entry and try later: no connection (fetch failed, reported by connect-web
 * as `unknown` or `unavailable`), the service busy or stopping, or a timeout. Authentication
 * failures are kept too: the page will get a fresh token, and the entry must not be lost.
 */
export function isTransient(error: ApiError): boolean {
  return error.code === Code.Unavailable || error.code === Code.Unknown ||
    error.code === Code.DeadlineExceeded || error.code === Code.Unauthenticated ||
    error.code === Code.Canceled || error.code === Code.Internal || error.code === Code.ResourceExhausted;
}

/** 32 hex digits from the platform's CSPRNG: within request_id's `[A-Za-z0-9_-]{1,64}`. */
export function newRequestId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
