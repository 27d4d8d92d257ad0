// The iframe embedding's pure pieces with plain values, no browser: origins as the allowlists
// compare them (only http(s) origins count; paths, trailing slashes, default ports and letter case
// do not make another origin; `null`, javascript: and garbage are no origin), and which
// messages have SMART Web Messaging's request and response shapes (anything else is ignored).
// Run: tsx embed_units_test.ts
import { asRequest, asResponse, normalOrigin, originSet } from "../../plugin/web/src/embed/messages.js";
import { Checks } from "../portal/harness.js";

const checks = new Checks();

checks.equal(normalOrigin("https://panels.example/dist/homework-frame.html?view=client"), "https://panels.example",
  "a URL's origin drops path and query");
checks.equal(normalOrigin("HTTPS://Panels.Example:443/"), "https://panels.example", "case and the default port");
checks.equal(normalOrigin("http://127.0.0.1:8085"), "http://127.0.0.1:8085", "a loopback origin with its port");
checks.equal(normalOrigin("http://127.0.0.1:8086"), "http://127.0.0.1:8086", "another port is another origin");
for (const bad of ["null", "javascript:alert(1)", "data:text/html,hi", "file:///etc/passwd", "panels.example", ""]) {
  checks.equal(normalOrigin(bad), undefined, `no origin: ${JSON.stringify(bad)}`);
}
checks.equal([...originSet([" http://127.0.0.1:8084/ ", "https://a.example/x", "null", "*", "https://a.example"])],
  ["http://127.0.0.1:8084", "https://a.example"], "an allowlist keeps the origins once and drops the rest ('*' too)");
checks.expect(!originSet(["http://127.0.0.1:8084"]).has("http://localhost:8084"), "localhost is not 127.0.0.1");

const request = { messageId: "m1", messagingHandle: "h1", messageType: "org.therapy-homework.token", payload: {} };
checks.equal(asRequest(request), request, "a request");
checks.equal(asRequest({ ...request, messagingHandle: undefined }), undefined, "a request needs its messagingHandle");
checks.equal(asRequest({ ...request, payload: null }), undefined, "a request needs a payload object");
checks.equal(asRequest("org.therapy-homework.token"), undefined, "a bare string is no request");
checks.equal(asRequest(null), undefined, "null is no request");
const response = { messageId: "m2", responseToMessageId: "m1", payload: { token: "t" } };
checks.equal(asResponse(response), response, "a response");
checks.equal(asResponse({ ...response, responseToMessageId: 1 }), undefined, "responseToMessageId is a string");
checks.equal(asResponse(request), undefined, "a request is no response");

process.exit(checks.finish("embed_units_test"));
