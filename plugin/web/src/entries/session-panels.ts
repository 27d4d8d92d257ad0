// The bundle a telehealth page loads for homework in a session (dist/session-panels.js): the
// three panels (<homework-review-panel>, <homework-assign-panel>, <homework-session-panel>), the
// therapist's <homework-therapist-dock> (Review and Assign tabs), and what a page needs to wire
// them itself: LiveSession (the session in the service, over any Transport), the typed service
// client, the Connect transport for any host, and for a Janus host the session channel over a
// plugin handle with the Transport over it. The dock and the session panel can also wire
// themselves from attributes (api, session, client) and a getToken property.
import "../panels/review-panel.js";
import "../panels/assign-panel.js";
import "../panels/session-panel.js";
import "../panels/therapist-dock.js";
// <homework-caseload> as a standalone element, for the dock's page to show before a session.
import "../caseload/homework-caseload.js";

export { LiveSession, changedPaths } from "../client/live-session.js";
export type { DraftChange, LiveSessionOptions, SessionEventSource } from "../client/live-session.js";
export { attachSessionChannel, SessionChannel, HOMEWORK_PLUGIN } from "../client/session-channel.js";
export type { Joined, Participant } from "../client/session-channel.js";
export { createJanusTransport } from "../client/janus-transport.js";
// Outside Janus (any host, a practice dashboard) the panels call over HTTP.
export { connectTransport } from "../client/connect-transport.js";
export { createHomeworkClient } from "../client/homework-client.js";
export { toApiError } from "../client/errors.js";
