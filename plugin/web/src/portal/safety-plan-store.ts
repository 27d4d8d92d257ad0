// The client's safety plan kept on the device, beside the outbox (outbox.ts, the same
// localStorage, one key per client): the latest active safety-plan assignment and the crisis
// resources the platform last gave, so both show without a connection, and the "I need help now"
// requests not yet sent. A help request carries a request id made once on the device; a resend
// carries the same one and the service raises one flag (RaiseSafetyFlagRequest.request_id).
// Like the outbox this is unencrypted browser storage (docs/decisions/0008-browser-stack.md):
// it holds what the client needs in a crisis and nothing else; the plan is replaced on every
// load and removed when no safety plan is active any more.
import { fromJson, toJson, type JsonValue } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { AssignmentSchema, Assignment_State, ExerciseKind, type Assignment, type SafetyPlan }
  from "../gen/therapy/homework/v1/assignment_pb.js";
import type { HomeworkClient } from "../client/homework-client.js";
import { toApiError } from "../client/errors.js";
import type { CrisisResource } from "./completion-form.js";
import { isTransient, newRequestId } from "./outbox.js";

/** What is kept for one client. */
interface Kept {
  /** The safety-plan assignment as proto JSON; absent when the client has none. */
  plan?: JsonValue;
  crisisResources?: CrisisResource[];
  /** "I need help now" taps not yet accepted by the service. */
  help?: HelpRequest[];
}

/** One "I need help now" waiting to be sent. */
export interface HelpRequest {
  requestId: string;
  /** When the client tapped (ms since the epoch). */
  savedAt: number;
}

/** How the last help request went: sent (the care team is told), waiting on the device, or refused. */
export type HelpState = "sent" | "waiting" | "refused";

/** The newest active safety-plan assignment of `assignments` (by activation), if any. */
export function latestSafetyPlan(assignments: Assignment[]): Assignment | undefined {
  const activated = (a: Assignment) => (a.activateTime ? timestampDate(a.activateTime).getTime() : 0);
  return assignments
    .filter((a) => a.state === Assignment_State.ACTIVE && a.exercise?.kind === ExerciseKind.SAFETY_PLAN)
    .sort((a, b) => activated(b) - activated(a))[0];
}

/** The plan's steps of an assignment, when it is a safety plan. */
export function safetyPlanOf(assignment: Assignment | undefined): SafetyPlan | undefined {
  const details = assignment?.exercise?.details;
  return details?.case === "safetyPlan" ? details.value : undefined;
}

/** The safety plan and help requests of one client on this device. */
export class SafetyPlanStore {
  private readonly key: string;

  /** `client` is the client's resource name; `storage` is localStorage unless a test passes one. */
  constructor(client: string, private readonly storage: Storage = localStorage) {
    this.key = `homework-portal/safety-plan/${client}`;
  }

  /** The kept safety-plan assignment, if any. */
  plan(): Assignment | undefined {
    const kept = this.read().plan;
    if (kept === undefined) return undefined;
    try {
      return fromJson(AssignmentSchema, kept);
    } catch {
      return undefined;
    }
  }

  /** The crisis resources last given by the platform. */
  crisisResources(): CrisisResource[] {
    return this.read().crisisResources ?? [];
  }

  /** Keeps `plan` (or forgets the kept one) and the platform's crisis resources when given. */
  keep(plan: Assignment | undefined, crisisResources: CrisisResource[]): void {
    const kept = this.read();
    kept.plan = plan ? toJson(AssignmentSchema, plan) : undefined;
    if (crisisResources.length > 0) kept.crisisResources = crisisResources;
    this.write(kept);
  }

  /** The help requests not yet sent, oldest first. */
  helpRequests(): HelpRequest[] {
    return this.read().help ?? [];
  }

  /** Records a tap on "I need help now"; send it with sendHelp(). */
  addHelpRequest(): HelpRequest {
    const request: HelpRequest = { requestId: newRequestId(), savedAt: Date.now() };
    const kept = this.read();
    kept.help = [...(kept.help ?? []), request];
    this.write(kept);
    return request;
  }

  /**
   * Sends every waiting help request as RaiseSafetyFlag for `client`; one the service accepted or
   * refused (not allowed: nothing a resend would change) is removed. Returns how the newest went.
   */
  async sendHelp(api: HomeworkClient, client: string): Promise<HelpState | undefined> {
    let last: HelpState | undefined;
    for (const request of this.helpRequests()) {
      try {
        await api.raiseSafetyFlag({ parent: client, requestId: request.requestId });
        last = "sent";
      } catch (thrown) {
        const error = toApiError(thrown);
        if (isTransient(error)) return "waiting";
        last = "refused";
      }
      const kept = this.read();
      kept.help = (kept.help ?? []).filter((r) => r.requestId !== request.requestId);
      this.write(kept);
    }
    return last;
  }

  private read(): Kept {
    try {
      const parsed: unknown = JSON.parse(this.storage.getItem(this.key) ?? "{}");
      return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as Kept) : {};
    } catch {
      return {};
    }
  }

  private write(kept: Kept): void {
    this.storage.setItem(this.key, JSON.stringify(kept));
  }
}

/**
 * The client a token names, read from its payload without verifying it (the service verifies
 * every call): for finding the plan kept on this device when the service cannot be reached.
 */
export function clientOfToken(token: string): string | undefined {
  try {
    const payload = token.split(".")[1] ?? "";
    const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(payload.length / 4) * 4, "="));
    const claims = JSON.parse(json) as { sub?: unknown; practice?: unknown; role?: unknown };
    return claims.role === "client" && typeof claims.sub === "string" && typeof claims.practice === "string"
      ? `practices/${claims.practice}/clients/${claims.sub}` : undefined;
  } catch {
    return undefined;
  }
}
