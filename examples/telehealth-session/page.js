// The demo page's wiring: one janus.js session carries both the VideoRoom video and the homework
// plugin handle; the panels from dist/session-panels.js run over LiveSession, whose calls travel
// through that handle (createJanusTransport) and whose events are the plugin's relayed ones. The
// plugin keeps nothing: drafts, assignments and the session's summary are in the service.
// Who is on the page: from the URL parameters role (therapist|client, only picks which panels to
// show; the service decides what the person may do from their token), token, session (the
// Session's name, which the platform created), client, display, room (VideoRoom room id, default
// 1234), as a platform would pass them; or, on the short addresses /therapist and /client, from
// the demo sign-in of serve.mjs, which also hands out a fresh token before this one expires.
// When Janus goes away (the WebSocket closes, its session is destroyed), the page makes a new
// Janus session and handle with backoff, joins again and the panels reload the drafts. A Janus
// that does not answer a new session within 8 s (a connection that hangs instead of failing) is
// given up and tried again: four tries for the first join, without end when reconnecting.
// textroom=1 also attaches the TextRoom probe used by the benchmark. window.homeworkDemo exposes
// the channel, the LiveSession and state for tests.

import {
  attachSessionChannel, createHomeworkClient, createJanusTransport, LiveSession,
} from "/dist/session-panels.js";

const params = new URLSearchParams(location.search);
const signInAs = { "/therapist": "therapist", "/client": "client" }[location.pathname];
const status = document.getElementById("status");
/** How long Janus may take to answer a new session before the attempt is given up. */
const JANUS_ANSWER_MS = 8000;
const demo = (window.homeworkDemo = { ready: false, videoPublished: false, remoteVideo: false, error: "", reconnects: 0 });

/** POST /demo/sign-in: a development token for the seeded person, with the session to join. */
async function signIn(as) {
  const response = await fetch("/demo/sign-in", { method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ as }) });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(`sign-in: ${answer.error ?? response.status}`);
  return answer;
}

let who;
try {
  who = signInAs ? await signIn(signInAs) : {
    token: params.get("token") ?? "", session: params.get("session") ?? "", client: params.get("client") ?? "",
    display: params.get("display") ?? "", room: Number(params.get("room") ?? "1234"), role: params.get("role") ?? "",
  };
} catch (error) {
  demo.error = String(error?.message ?? error);
  status.textContent = `Could not sign in: ${demo.error}. Is the demo still running?`;
  throw error;
}
const { session, client, display } = who;
let token = who.token;
const room = Number(who.room);
if (signInAs) document.title = `${display}: telehealth session`;

// The codes of a caller with no homework role here (Code.Unauthenticated, Code.PermissionDenied).
const NO_ROLE = new Set([16, 7]);
let config;
let channel;

try {
  config = await (await fetch("/config.json")).json();
  await new Promise((resolve) => Janus.init({ debug: false, dependencies: Janus.useDefaultDependencies(), callback: resolve }));
  const joined = await firstJoin();
  const api = createHomeworkClient(createJanusTransport(channel));
  const live = await LiveSession.open({ api, session, client, events: channel.events });
  Object.assign(demo, { channel, joined, api, live });
  mountPanels(joined, live, api);
  channel.on("presence", (e) => { status.textContent = `In the session: ${e.detail.map((p) => p.display).join(", ")}`; });
  status.textContent = `Joined as ${joined.you.display} (${joined.you.role})`;
  if (signInAs) keepSignedIn(who.ttlSeconds);
  demo.ready = true;
} catch (error) {
  if (NO_ROLE.has(error?.code)) {
    // Someone in the call without a homework role (an interpreter, a family member): nothing.
    mountNoRole();
    status.textContent = "Joined the call";
    demo.noRole = true;
    demo.ready = true;
  } else {
    demo.error = String(error?.message ?? error);
    status.textContent = `Could not join: ${demo.error}`;
  }
}

/**
 * A Janus session with the video and the homework handle, joined; resolves with `joined`. The
 * channel object stays the same across reconnects (the transport and events are built on it).
 */
async function connect() {
  const janus = await janusSession();
  demo.janus = janus;
  // Video first: everyone in the call gets it, whether or not the homework side lets them in.
  startVideo(janus);
  if (params.get("textroom") === "1") {
    const { attachTextRoomProbe } = await import("/textroom-probe.js");
    demo.textroom = await attachTextRoomProbe(janus, room, display);
  }
  channel = await attachSessionChannel(janus, `homework-${session}`, channel);
  return channel.join({ session, client, token, display });
}

/**
 * A new Janus session. Janus not answering in JANUS_ANSWER_MS (a connection that hangs instead of
 * failing) is an error like a refused one, marked `janusUnreachable`; a session that comes up
 * after that is closed at once.
 */
function janusSession() {
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (message) => {
      settled = true;
      clearTimeout(timer);
      reject(Object.assign(new Error(`janus: ${message}`), { janusUnreachable: true }));
    };
    const timer = setTimeout(() => fail(`no answer in ${JANUS_ANSWER_MS / 1000} s`), JANUS_ANSWER_MS);
    const instance = new Janus({
      server: config.janusUrl,
      success: () => {
        if (settled) {
          instance.destroy();
          return;
        }
        settled = true;
        clearTimeout(timer);
        resolve(instance);
      },
      error: (error) => (settled ? janusLost(instance) : fail(error)),
      destroyed: () => janusLost(instance),
    });
  });
}

/** The first join, tried again with backoff while Janus cannot be reached (four tries in all). */
async function firstJoin() {
  for (let attempt = 1; ; attempt++) {
    try {
      return await connect();
    } catch (error) {
      if (!error?.janusUnreachable || attempt === 4) throw error;
      status.textContent = `Connecting… (try ${attempt + 1} of 4)`;
      await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt));
    }
  }
}

let reconnecting = false;
/** Janus went away: a new session, handle and join, with backoff; then the drafts are read again. */
async function janusLost(instance) {
  if (instance !== demo.janus || reconnecting || !demo.ready) return;
  reconnecting = true;
  demo.connected = false;
  status.textContent = "Connection to the video service lost; reconnecting…";
  for (let attempt = 0; ; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(250 * 2 ** attempt, 5000)));
    try {
      demo.joined = await connect();
      await demo.live.reload();
      break;
    } catch {
      // Janus is not back yet; try again.
    }
  }
  reconnecting = false;
  demo.connected = true;
  demo.reconnects++;
  status.textContent = `Reconnected as ${demo.joined.you.display} (${demo.joined.you.role})`;
}

/** Asks the demo sign-in for a fresh token when 90% of this one's life has passed, and so on. */
function keepSignedIn(ttlSeconds) {
  setTimeout(async () => {
    try {
      const fresh = await signIn(signInAs);
      await channel.refreshToken(fresh.token);
      token = fresh.token;
      keepSignedIn(fresh.ttlSeconds);
    } catch (error) {
      status.textContent = `Signed out: ${error?.message ?? error}. Reload the page to sign in again.`;
    }
  }, Math.max(60, ttlSeconds * 0.9) * 1000);
}

/**
 * The therapist gets review and assign panels in a dock with Review and Assign tabs (a draft of
 * this session opens on Assign); the client gets its session panel.
 */
function mountPanels(joined, live, api) {
  const aside = document.getElementById("panels");
  const practice = joined.client.split("/clients/")[0];
  if (joined.you.role === "therapist") {
    const dock = document.createElement("homework-therapist-dock");
    const review = Object.assign(document.createElement("homework-review-panel"), { slot: "review" });
    const assign = Object.assign(document.createElement("homework-assign-panel"), { slot: "assign" });
    // The therapist's caseload, most urgent first, behind a disclosure above the tabs; choosing
    // this session's client opens its review.
    const caseload = Object.assign(document.createElement("homework-caseload"), { slot: "caseload" });
    caseload.addEventListener("homework-caseload-select", (e) => { if (e.detail.client === joined.client) dock.show("review"); });
    dock.append(caseload, review, assign);
    dock.wirePanels(api, live);
    aside.append(dock);
    // Wide mode for review: the dock takes most of the width and the video shrinks to a strip.
    dock.addEventListener("homework-dock-wide", (e) => document.querySelector("main").classList.toggle("review-wide", e.detail.wide));
  } else {
    const panel = document.createElement("homework-session-panel");
    Object.assign(panel, { api, live, client: joined.client });
    aside.append(panel);
  }
}

/** The panel a person without a homework role sees: the plain message, no data. */
function mountNoRole() {
  const panel = document.createElement("homework-session-panel");
  panel.denied = true;
  document.getElementById("panels").append(panel);
}

/** Publishes the camera and microphone in the VideoRoom and subscribes to everyone else. */
function startVideo(janus) {
  let publisher;
  const subscribed = new Set();
  janus.attach({
    plugin: "janus.plugin.videoroom",
    opaqueId: `video-${session}`,
    success: (handle) => {
      publisher = handle;
      handle.send({ message: { request: "join", ptype: "publisher", room, display } });
    },
    error: (error) => { demo.error = `videoroom: ${error}`; },
    onmessage: (message, jsep) => {
      if (message.videoroom === "joined") {
        demo.publisherId = message.id;
        publisher.createOffer({
          tracks: [{ type: "audio", capture: true, recv: false }, { type: "video", capture: true, recv: false }],
          success: (offer) => publisher.send({ message: { request: "configure", audio: true, video: true }, jsep: offer }),
          error: (error) => { demo.error = `publish: ${error}`; },
        });
      }
      for (const feed of message.publishers ?? []) {
        if (!subscribed.has(feed.id)) { subscribed.add(feed.id); subscribe(janus, feed); }
      }
      if (message.configured === "ok") demo.videoPublished = true;
      if (jsep) publisher.handleRemoteJsep({ jsep });
    },
    onlocaltrack: (track, on) => {
      if (!on || track.kind !== "video") return;
      document.getElementById("local-video").srcObject = new MediaStream([track]);
    },
  });
}

function subscribe(janus, feed) {
  let handle;
  const stream = new MediaStream();
  janus.attach({
    plugin: "janus.plugin.videoroom",
    opaqueId: `video-${session}`,
    success: (h) => {
      handle = h;
      handle.send({ message: { request: "join", ptype: "subscriber", room, streams: [{ feed: feed.id }] } });
    },
    error: (error) => { demo.error = `subscribe: ${error}`; },
    onmessage: (_message, jsep) => {
      if (!jsep) return;
      handle.createAnswer({
        jsep,
        tracks: [{ type: "data" }],
        success: (answer) => handle.send({ message: { request: "start", room }, jsep: answer }),
        error: (error) => { demo.error = `answer: ${error}`; },
      });
    },
    onremotetrack: (track, _mid, on) => {
      if (!on) return;
      stream.addTrack(track);
      const video = document.getElementById("remote-video");
      video.srcObject = stream;
      document.getElementById("remote-caption").textContent = feed.display;
      if (track.kind === "video") demo.remoteVideo = true;
    },
  });
}
