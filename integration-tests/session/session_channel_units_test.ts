// The Janus plugin's `error` event read on the page (client/session-channel.ts errorFromEvent):
// it is the Connect error object the Connect listener sends (connect/connect_errors.h), so the
// page's one conversion (client/errors.ts toApiError) shows the same code, message and invalid
// fields whichever path a call took. The event below has the shape plugin/janus/wire_test.cc
// holds ErrorEvent to. Run: tsx integration-tests/session/session_channel_units_test.ts
import assert from "node:assert/strict";
import { test } from "node:test";
import { create, toBinary } from "@bufbuild/protobuf";
import { base64Encode } from "@bufbuild/protobuf/wire";
import { Code } from "@connectrpc/connect";
import { BadRequestSchema } from "../../plugin/web/src/gen/google/rpc/error_details_pb.js";
import { errorFromEvent } from "../../plugin/web/src/client/session-channel.js";
import { toApiError } from "../../plugin/web/src/client/errors.js";

const badRequest = create(BadRequestSchema, {
  fieldViolations: [{ field: "completion.suds.before", description: "must be 0-100" },
    { field: "completion.suds.after", description: "required for an exposure practice done" }],
});
const invalid = errorFromEvent({
  homework: "error", id: "7", code: "invalid_argument", message: "completion.suds.before: must be 0-100",
  details: [{
    type: "google.rpc.BadRequest",
    value: base64Encode(toBinary(BadRequestSchema, badRequest), "std_raw"),
    debug: { fieldViolations: [{ field: "completion.suds.before", description: "must be 0-100" }] },
  }],
});
test("an invalid field reads as it does from the Connect listener", () => {
  assert.deepEqual(toApiError(invalid), {
    code: Code.InvalidArgument, codeName: "invalid_argument", message: "completion.suds.before: must be 0-100",
    fieldViolations: [{ field: "completion.suds.before", description: "must be 0-100" },
      { field: "completion.suds.after", description: "required for an exposure practice done" }],
  });
});

test("a refusal keeps its code and message, with no fields", () => {
  const denied = toApiError(errorFromEvent({ homework: "error", code: "permission_denied", message: "caller may not read it", details: [] }));
  assert.deepEqual([denied.code, denied.message, denied.fieldViolations], [Code.PermissionDenied, "caller may not read it", []]);
});
test("Connect's spelling of CANCELLED is read", () => {
  assert.equal(toApiError(errorFromEvent({ homework: "error", code: "canceled" })).code, Code.Canceled);
});
test("an event without a Connect code is Unknown, not a crash", () => {
  assert.equal(toApiError(errorFromEvent({ homework: "error", code: "no_such_code", message: "x" })).code, Code.Unknown);
});
test("an event without a code is Unknown", () => {
  assert.equal(toApiError(errorFromEvent({ homework: "error" })).code, Code.Unknown);
});
