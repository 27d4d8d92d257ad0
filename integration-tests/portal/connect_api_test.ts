// The Connect API from TypeScript, as the portal calls it: @connectrpc/connect-web's transport
// and the types generated from proto/, against the real homework-server over HTTP. Checks unary
// calls (GetCaller, reads, CreateCompletion replayed by request_id), a validation error with its
// google.rpc.BadRequest field violations, authentication and authorisation failures, and
// WatchEvents server streaming. Run: tsx connect_api_test.ts --server PATH --ctl PATH
import { Code } from "@connectrpc/connect";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { CallerIdentity_Role } from "../../plugin/web/src/gen/therapy/homework/v1/homework_service_pb.js";
import { Completion_Status } from "../../plugin/web/src/gen/therapy/homework/v1/completion_pb.js";
import { Event_Type } from "../../plugin/web/src/gen/therapy/homework/v1/event_pb.js";
import { toApiError, type ApiError } from "../../plugin/web/src/client/errors.js";
import { binariesFromArgs, Checks, ServerProcess } from "./harness.js";
import { CLIENT, CLIENT_ID, PRACTICE, THERAPIST, TIME_ZONE, seed } from "./fixture.js";

async function failure(call: Promise<unknown>): Promise<ApiError | undefined> {
  try {
    await call;
    return undefined;
  } catch (error) {
    return toApiError(error);
  }
}

async function main(): Promise<number> {
  const checks = new Checks();
  const server = await ServerProcess.start(binariesFromArgs(process.argv));
  try {
    const seeded = await seed(server);
    const clientToken = server.token(CLIENT_ID, "client");
    const alex = server.stub(clientToken);

    // Unary: who the token names.
    const caller = await alex.getCaller({});
    checks.equal(caller.subject, CLIENT_ID, "GetCaller subject");
    checks.equal(caller.role, CallerIdentity_Role.CLIENT, "GetCaller role");
    checks.equal(caller.practice, `practices/${PRACTICE}`, "GetCaller practice");
    checks.equal(caller.client, CLIENT, "GetCaller client");

    // Unary reads: the client's own assignments, all seven active.
    const listed = await alex.listAssignments({ parent: CLIENT });
    checks.equal(listed.assignments.map((a) => a.name).sort(),
      Object.values(seeded).filter((r) => r.name.includes("/assignments/")).map((r) => r.name).sort(),
      "ListAssignments as the client lists the seeded assignments");
    checks.expect(listed.assignments.every((a) => a.state === 2), "every seeded assignment is active");

    // A completion with a request id, sent twice (an offline resend): stored once.
    const completion = {
      occurTime: timestampFromDate(new Date()), occurTimeZone: TIME_ZONE,
      status: Completion_Status.DONE, minutes: 12,
      suds: { before: 60, peak: 70, after: 30 },
    };
    const first = await alex.createCompletion({ parent: seeded.exposure.name, completion, requestId: "api-test-0001" });
    const again = await alex.createCompletion({ parent: seeded.exposure.name, completion, requestId: "api-test-0001" });
    checks.equal(again.name, first.name, "a resend with the same request_id returns the first completion");
    checks.equal(first.suds?.peak, 70, "the stored SUDS peak");
    const stored = await alex.listCompletions({ parent: seeded.exposure.name });
    checks.equal(stored.completions.length, 1, "exactly one completion stored after the resend");

    // Validation: a blank thought record marked done, and SUDS out of range.
    const blank = await failure(alex.createCompletion({
      parent: seeded.thoughtRecord.name,
      completion: { occurTime: timestampFromDate(new Date()), occurTimeZone: TIME_ZONE, status: Completion_Status.DONE },
    }));
    checks.equal(blank?.code, Code.InvalidArgument, "a blank thought record is invalid_argument");
    checks.equal(blank?.codeName, "invalid_argument", "the code's wire name");
    checks.equal(blank?.fieldViolations.map((v) => v.field), ["completion.thought_record"],
      "the BadRequest names completion.thought_record");
    const outOfRange = await failure(alex.createCompletion({
      parent: seeded.exposure.name,
      completion: { ...completion, suds: { before: 150, peak: 160, after: 20 } },
    }));
    checks.equal(outOfRange?.fieldViolations.map((v) => v.field), ["completion.suds.before", "completion.suds.peak"],
      "SUDS out of range names each field");
    checks.expect((outOfRange?.fieldViolations[0]?.description ?? "").includes("0-100"),
      "the violation says the range");
    checks.equal((await alex.listCompletions({ parent: seeded.thoughtRecord.name })).completions.length, 0,
      "nothing stored for the rejected thought record");

    // Authentication and authorisation.
    const anonymous = await failure(server.stub("").getCaller({}));
    checks.equal(anonymous?.code, Code.Unauthenticated, "no token is unauthenticated");
    const forged = await failure(server.stub(`${clientToken.slice(0, -4)}AAAA`).getCaller({}));
    checks.equal(forged?.code, Code.Unauthenticated, "a token with a broken signature is unauthenticated");
    const other = await failure(alex.listAssignments({ parent: `practices/${PRACTICE}/clients/someone-else` }));
    checks.equal(other?.code, Code.PermissionDenied, "another client's assignments are permission_denied");
    const asTherapist = await failure(alex.reviewCompletion({ name: first.name, review: { qualityRating: 4 }, etag: first.etag }));
    checks.equal(asTherapist?.code, Code.PermissionDenied, "a client cannot review");

    // WatchEvents: the therapist watches Alex; the stream has started once X-Watch-Cursor arrives.
    const therapist = server.stub(server.token(THERAPIST, "therapist"));
    const abort = new AbortController();
    let startCursor = "";
    let started!: () => void;
    const startedPromise = new Promise<void>((resolve) => { started = resolve; });
    const received: { type: Event_Type; resource: string; cursor: string }[] = [];
    const watching = (async () => {
      try {
        for await (const event of therapist.watchEvents({ parent: `practices/${PRACTICE}`, client: CLIENT }, {
          signal: abort.signal,
          onHeader: (headers) => { startCursor = headers.get("x-watch-cursor") ?? ""; started(); },
        })) {
          received.push({ type: event.type, resource: event.resource, cursor: event.cursor });
          if (received.length === 2) abort.abort();
        }
      } catch (error) {
        if (toApiError(error).code !== Code.Canceled) throw error;
      }
    })();
    await Promise.race([startedPromise, new Promise((_, reject) => setTimeout(() => reject(new Error("no X-Watch-Cursor in 10 s")), 10_000))]);
    checks.expect(startCursor !== "", "WatchEvents sends X-Watch-Cursor");
    const mood = await alex.createCompletion({
      parent: seeded.mood.name,
      completion: { occurTime: timestampFromDate(new Date()), occurTimeZone: TIME_ZONE, status: Completion_Status.DONE, mood: 6 },
      requestId: "api-test-0002",
    });
    const reviewed = await therapist.reviewCompletion({ name: first.name, etag: first.etag, review: { qualityRating: 4, feedback: "Good staying power" } });
    await Promise.race([watching, new Promise((_, reject) => setTimeout(() => reject(new Error("no events in 10 s")), 10_000))]);
    checks.equal(received.map((e) => [Event_Type[e.type], e.resource]),
      [["COMPLETION_RECORDED", mood.name], ["COMPLETION_REVIEWED", reviewed.name]],
      "WatchEvents streams the recorded and the reviewed completion, in order");
    checks.expect(received.every((e) => e.cursor !== ""), "every event carries a cursor");

    // A client may not watch another client: the stream ends with permission_denied.
    const denied = await failure((async () => {
      for await (const _ of alex.watchEvents({ parent: `practices/${PRACTICE}`, client: `practices/${PRACTICE}/clients/bob` })) {
        // no events expected
      }
    })());
    checks.equal(denied?.code, Code.PermissionDenied, "watching another client is permission_denied");

    // No clinical content in the server's log (the note, the feedback).
    checks.expect(!server.log().includes("Good staying power"), "the feedback text is not logged");
    checks.expect(!server.log().includes(clientToken), "the token is not logged");
  } finally {
    await server.stop();
  }
  return checks.finish("portal_connect_api_test");
}

main().then((code) => process.exit(code), (error) => {
  console.error(error);
  process.exit(1);
});
