// The therapist dashboard's bundle (dist/caseload.js): defines <homework-caseload>, the clients
// of a therapist's caseload who need attention now, and exports what a page needs to give it a
// client (or it takes `api-base-url` and `getToken` itself). The dock's page may load it beside
// session-panels.js and place the element before a session.
export { HomeworkCaseload, type CaseloadSelectDetail } from "../caseload/homework-caseload.js";
export { createHomeworkClient, type HomeworkClient } from "../client/homework-client.js";
export { connectTransport } from "../client/connect-transport.js";
export { toApiError } from "../client/errors.js";
