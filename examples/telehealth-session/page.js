// The demo page's wiring: one janus.js session carries both the VideoRoom video and the homework
// plugin handle; the panels from dist/session-panels.js run their calls through that handle.
// Who is on the page: from the URL parameters role (therapist|client, only picks which panels to
// show; the plugin decides what the person may do from their token), token, session, client,
// display, room (VideoRoom room id, default 1234), as a platform would pass them; or, on the
// short addresses /therapist and /client, from the demo sign-in of serve.mjs, which also hands
// out a fresh token before this one expires. textroom=1 also attaches the TextRoom probe used by
// the benchmark. window.homeworkDemo exposes the channel and state for tests.

import { attachSessionChannel, createHomeworkClient, createJanusTransport } from "/dist/session-panels.js";

const params = new URLSearchParams(location.search);
const signInAs = { "/therapist": "therapist", "/client": "client" }[location.pathname];
const status = document.getElementById("status");
const demo = (window.homeworkDemo = { ready: false, videoPublished: false, remoteVideo: false, error: "" });

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
    display: params.get("display") ?? "", room: Number(params.get("room") ?? "1234"),
  };
} catch (error) {
  demo.error = String(error?.message ?? error);
  status.textContent = `Could not sign in: ${demo.error}. Is the demo still running?`;
  throw error;
}
const { token, session, client, display } = who;
const room = Number(who.room);
if (signInAs) document.title = `${display}: telehealth session`;

try {
  const config = await (await fetch("/config.json")).json();
  await new Promise((resolve) => Janus.init({ debug: false, dependencies: Janus.useDefaultDependencies(), callback: resolve }));
  const janus = await new Promise((resolve, reject) => {
    const instance = new Janus({ server: config.janusUrl, success: () => resolve(instance), error: reject });
  });
  demo.janus = janus;
  startVideo(janus);
  if (params.get("textroom") === "1") {
    const { attachTextRoomProbe } = await import("/textroom-probe.js");
    demo.textroom = await attachTextRoomProbe(janus, room, display);
  }

  const channel = await attachSessionChannel(janus, `homework-${session}`);
  const joined = await channel.join({ session, client, token, display });
  const api = createHomeworkClient(createJanusTransport(channel));
  Object.assign(demo, { channel, joined, api });
  mountPanels(joined, channel, api);
  channel.on("presence", (e) => { status.textContent = `In the session: ${e.detail.map((p) => p.display).join(", ")}`; });
  status.textContent = `Joined as ${joined.you.display} (${joined.you.role})`;
  if (signInAs) keepSignedIn(channel, who.ttlSeconds);
  demo.ready = true;
} catch (error) {
  demo.error = String(error?.message ?? error);
  status.textContent = `Could not join: ${demo.error}`;
}

/** Asks the demo sign-in for a fresh token when 90% of this one's life has passed, and so on. */
function keepSignedIn(channel, ttlSeconds) {
  setTimeout(async () => {
    try {
      const fresh = await signIn(signInAs);
      await channel.refreshToken(fresh.token);
      keepSignedIn(channel, fresh.ttlSeconds);
    } catch (error) {
      status.textContent = `Signed out: ${error?.message ?? error}. Reload the page to sign in again.`;
    }
  }, Math.max(60, ttlSeconds * 0.9) * 1000);
}

/**
 * The therapist gets review and assign panels in a dock with Review and Assign tabs (an open
 * draft from `join` opens on Assign); the client gets its session panel.
 */
function mountPanels(joined, channel, api) {
  const aside = document.getElementById("panels");
  const practice = joined.client.split("/clients/")[0];
  if (joined.you.role === "therapist") {
    const dock = document.createElement("homework-therapist-dock");
    dock.channel = channel;
    const review = document.createElement("homework-review-panel");
    Object.assign(review, { api, channel, client: joined.client, slot: "review" });
    const assign = document.createElement("homework-assign-panel");
    Object.assign(assign, { api, channel, practice, client: joined.client, slot: "assign" });
    assign.showDraft(joined.drafts[0]);
    if (joined.drafts.length > 0) dock.view = "assign";
    // The therapist's caseload, most urgent first, behind a disclosure above the tabs; choosing
    // this session's client opens its review.
    const caseload = document.createElement("homework-caseload");
    Object.assign(caseload, { api, practice, slot: "caseload" });
    caseload.addEventListener("homework-caseload-select", (e) => { if (e.detail.client === joined.client) dock.show("review"); });
    dock.append(caseload, review, assign);
    aside.append(dock);
    // Wide mode for review: the dock takes most of the width and the video shrinks to a strip.
    dock.addEventListener("homework-dock-wide", (e) => document.querySelector("main").classList.toggle("review-wide", e.detail.wide));
  } else {
    const panel = document.createElement("homework-session-panel");
    Object.assign(panel, { api, channel, client: joined.client });
    panel.showDraft(joined.drafts[0]);
    aside.append(panel);
  }
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
