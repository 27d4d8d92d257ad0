// The Connect API from TypeScript, as the portal calls it: @connectrpc/connect-web's transport
// and the types generated from proto/, against the real homework-server over HTTP. Checks unary
// calls (GetCaller, reads, CreateCompletion replayed by request_id), a validation error with its
// google.rpc.BadRequest field violations, authentication and authorisation failures, and
// WatchEvents server streaming. Run: tsx connect_api_test.ts --server PATH --ctl PATH
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Code } from "@connectrpc/connect";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { CallerIdentity_Role } from "../../plugin/web/src/gen/therapy/homework/v1/homework_service_pb.js";
import { Completion_Status } from "../../plugin/web/src/gen/therapy/homework/v1/completion_pb.js";
import { Event_Type } from "../../plugin/web/src/gen/therapy/homework/v1/event_pb.js";
import { toApiError, type ApiError } from "../../plugin/web/src/client/errors.js";
import { binariesFromArgs, ServerProcess } from "./harness.js";
import { CLIENT, CLIENT_ID, PRACTICE, THERAPIST, TIME_ZONE, seed, type Seeded } from "./fixture.js";

async function failure(call: Promise<unknown>): Promise<ApiError | undefined> {
  try {
    await call;
    return undefined;
  } catch (error) {
    return toApiError(error);
  }
}

/** `promise`, or a rejection saying `what` did not happen within `ms`; the timer never outlives it. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} in ${ms / 1000} s`)), ms);
    })]);
  } finally {
    clearTimeout(timer);
  }
}

// One server for the file; the tests run in order over what the earlier ones stored.
let server: ServerProcess;
let seeded: Seeded;
let clientToken: string;
let alex: ReturnType<ServerProcess["stub"]>;
const completion = {
  occurTime: timestampFromDate(new Date()), occurTimeZone: TIME_ZONE,
  status: Completion_Status.DONE, minutes: 12,
  suds: { before: 60, peak: 70, after: 30 },
};
let first: Awaited<ReturnType<typeof alex.createCompletion>>;

before(async () => {
  server = await ServerProcess.start(binariesFromArgs(process.argv));
  seeded = await seed(server);
  clientToken = server.token(CLIENT_ID, "client");
  alex = server.stub(clientToken);
});

after(async () => {
  await server?.stop();
});

test("GetCaller names the token's subject, role, practice and client", async () => {
  const caller = await alex.getCaller({});
  assert.equal(caller.subject, CLIENT_ID, "GetCaller subject");
  assert.equal(caller.role, CallerIdentity_Role.CLIENT, "GetCaller role");
  assert.equal(caller.practice, `practices/${PRACTICE}`, "GetCaller practice");
  assert.equal(caller.client, CLIENT, "GetCaller client");
});

test("ListAssignments as the client lists the seeded assignments, all active", async () => {
  const listed = await alex.listAssignments({ parent: CLIENT });
  assert.deepEqual(listed.assignments.map((a) => a.name).sort(),
    Object.values(seeded).filter((r) => r.name.includes("/assignments/")).map((r) => r.name).sort(),
    "ListAssignments as the client lists the seeded assignments");
  assert.ok(listed.assignments.every((a) => a.state === 2), "every seeded assignment is active");
});

test("a completion resent with the same request_id is stored once", async () => {
  // A completion with a request id, sent twice (an offline resend): stored once.
  first = await alex.createCompletion({ parent: seeded.exposure.name, completion, requestId: "api-test-0001" });
  const again = await alex.createCompletion({ parent: seeded.exposure.name, completion, requestId: "api-test-0001" });
  assert.equal(again.name, first.name, "a resend with the same request_id returns the first completion");
  assert.equal(first.suds?.peak, 70, "the stored SUDS peak");
  const stored = await alex.listCompletions({ parent: seeded.exposure.name });
  assert.equal(stored.completions.length, 1, "exactly one completion stored after the resend");
});

test("a blank thought record is invalid_argument naming completion.thought_record", async () => {
  const blank = await failure(alex.createCompletion({
    parent: seeded.thoughtRecord.name,
    completion: { occurTime: timestampFromDate(new Date()), occurTimeZone: TIME_ZONE, status: Completion_Status.DONE },
  }));
  assert.equal(blank?.code, Code.InvalidArgument, "a blank thought record is invalid_argument");
  assert.equal(blank?.codeName, "invalid_argument", "the code's wire name");
  assert.deepEqual(blank?.fieldViolations.map((v) => v.field), ["completion.thought_record"],
    "the BadRequest names completion.thought_record");
});

test("SUDS out of range names each field and the range; nothing stored", async () => {
  const outOfRange = await failure(alex.createCompletion({
    parent: seeded.exposure.name,
    completion: { ...completion, suds: { before: 150, peak: 160, after: 20 } },
  }));
  assert.deepEqual(outOfRange?.fieldViolations.map((v) => v.field), ["completion.suds.before", "completion.suds.peak"],
    "SUDS out of range names each field");
  assert.ok((outOfRange?.fieldViolations[0]?.description ?? "").includes("0-100"), "the violation says the range");
  assert.equal((await alex.listCompletions({ parent: seeded.thoughtRecord.name })).completions.length, 0,
    "nothing stored for the rejected thought record");
});

test("no token is unauthenticated", async () => {
  const anonymous = await failure(server.stub("").getCaller({}));
  assert.equal(anonymous?.code, Code.Unauthenticated);
});

test("a token with a broken signature is unauthenticated", async () => {
  const forged = await failure(server.stub(`${clientToken.slice(0, -4)}AAAA`).getCaller({}));
  assert.equal(forged?.code, Code.Unauthenticated);
});

test("another client's assignments are permission_denied", async () => {
  const other = await failure(alex.listAssignments({ parent: `practices/${PRACTICE}/clients/someone-else` }));
  assert.equal(other?.code, Code.PermissionDenied);
});

test("a client cannot review", async () => {
  const asTherapist = await failure(alex.reviewCompletion({ name: first.name, review: { qualityRating: 4 }, etag: first.etag }));
  assert.equal(asTherapist?.code, Code.PermissionDenied);
});

test("WatchEvents streams the recorded and the reviewed completion, in order, each with a cursor", async () => {
  // The therapist watches Alex; the stream has started once X-Watch-Cursor arrives.
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
  try {
    await within(startedPromise, 10_000, "no X-Watch-Cursor");
    assert.ok(startCursor !== "", "WatchEvents sends X-Watch-Cursor");
    const mood = await alex.createCompletion({
      parent: seeded.mood.name,
      completion: { occurTime: timestampFromDate(new Date()), occurTimeZone: TIME_ZONE, status: Completion_Status.DONE, mood: 6 },
      requestId: "api-test-0002",
    });
    const reviewed = await therapist.reviewCompletion({ name: first.name, etag: first.etag,
      review: { qualityRating: 4, feedback: "Good staying power" } });
    await within(watching, 10_000, "no events");
    assert.deepEqual(received.map((e) => [Event_Type[e.type], e.resource]),
      [["COMPLETION_RECORDED", mood.name], ["COMPLETION_REVIEWED", reviewed.name]],
      "WatchEvents streams the recorded and the reviewed completion, in order");
    assert.ok(received.every((e) => e.cursor !== ""), "every event carries a cursor");
  } finally {
    abort.abort();
  }
});

test("watching another client ends with permission_denied", async () => {
  const denied = await failure((async () => {
    for await (const _ of alex.watchEvents({ parent: `practices/${PRACTICE}`, client: `practices/${PRACTICE}/clients/bob` })) {
      // no events expected
    }
  })());
  assert.equal(denied?.code, Code.PermissionDenied);
});

test("no clinical content and no token in the server's log", () => {
  assert.ok(!server.log().includes("Good staying power"), "the feedback text is not logged");
  assert.ok(!server.log().includes(clientToken), "the token is not logged");
});
