// The iframe embedding's pure pieces with plain values, no browser: origins as the allowlists
// compare them (only http(s) origins count; paths, trailing slashes, default ports and letter case
// do not make another origin; `null`, javascript: and garbage are no origin), and which
// messages have SMART Web Messaging's request and response shapes (anything else is ignored).
// Run: tsx embed_units_test.ts
import assert from "node:assert/strict";
import { test } from "node:test";
import { asRequest, asResponse, normalOrigin, originSet } from "../../plugin/web/src/embed/messages.js";

test("a URL's origin drops path and query", () => {
  assert.equal(normalOrigin("https://panels.example/dist/homework-frame.html?view=client"), "https://panels.example");
});
test("letter case and the default port do not make another origin", () => {
  assert.equal(normalOrigin("HTTPS://Panels.Example:443/"), "https://panels.example");
});
test("a loopback origin keeps its port", () => {
  assert.equal(normalOrigin("http://127.0.0.1:8085"), "http://127.0.0.1:8085");
});
test("another port is another origin", () => {
  assert.equal(normalOrigin("http://127.0.0.1:8086"), "http://127.0.0.1:8086");
});
for (const bad of ["null", "javascript:alert(1)", "data:text/html,hi", "file:///etc/passwd", "panels.example", ""]) {
  test(`no origin: ${JSON.stringify(bad)}`, () => {
    assert.equal(normalOrigin(bad), undefined);
  });
}
test("an allowlist keeps the origins once and drops the rest ('*' too)", () => {
  assert.deepEqual([...originSet([" http://127.0.0.1:8084/ ", "https://a.example/x", "null", "*", "https://a.example"])],
    ["http://127.0.0.1:8084", "https://a.example"]);
});
test("localhost is not 127.0.0.1", () => {
  assert.ok(!originSet(["http://127.0.0.1:8084"]).has("http://localhost:8084"));
});

const request = { messageId: "m1", messagingHandle: "h1", messageType: "org.therapy-homework.token", payload: {} };
test("a request is read as a request", () => {
  assert.deepEqual(asRequest(request), request);
});
test("a request needs its messagingHandle", () => {
  assert.equal(asRequest({ ...request, messagingHandle: undefined }), undefined);
});
test("a request needs a payload object", () => {
  assert.equal(asRequest({ ...request, payload: null }), undefined);
});
test("a bare string is no request", () => {
  assert.equal(asRequest("org.therapy-homework.token"), undefined);
});
test("null is no request", () => {
  assert.equal(asRequest(null), undefined);
});
const response = { messageId: "m2", responseToMessageId: "m1", payload: { token: "t" } };
test("a response is read as a response", () => {
  assert.deepEqual(asResponse(response), response);
});
test("responseToMessageId is a string", () => {
  assert.equal(asResponse({ ...response, responseToMessageId: 1 }), undefined);
});
test("a request is no response", () => {
  assert.equal(asResponse(request), undefined);
});
