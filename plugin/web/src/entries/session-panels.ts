// The bundle a telehealth page loads for homework in a session (dist/session-panels.js): the
// three panels (<homework-review-panel>, <homework-assign-panel>, <homework-session-panel>), the
// therapist's <homework-therapist-dock> (Review and Assign tabs) and
// what a page needs to wire them to its janus.js session: the session channel over a plugin
// handle, the Transport over it and the typed service client.
import "../panels/review-panel.js";
import "../panels/assign-panel.js";
import "../panels/session-panel.js";
import "../panels/therapist-dock.js";
// <homework-caseload> as a standalone element, for the dock's page to show before a session.
import "../caseload/homework-caseload.js";

export { attachSessionChannel, SessionChannel, HOMEWORK_PLUGIN } from "../client/session-channel.js";
export type { Draft, Joined, Participant, SessionSummary } from "../client/session-channel.js";
export { createJanusTransport } from "../client/janus-transport.js";
// Outside a session (e.g. the review panel on a practice dashboard) the panels call over HTTP.
export { connectTransport } from "../client/connect-transport.js";
export { createHomeworkClient } from "../client/homework-client.js";
export { toApiError } from "../client/errors.js";
