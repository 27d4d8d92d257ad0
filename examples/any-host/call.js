// The call page's wiring: the camera and microphone, one RTCPeerConnection per other person in the
// call (the newcomer offers; offers, answers and ICE candidates travel through the host's
// signalling, host-server.mjs), and the homework panels through the iframe SDK loaded from the
// panels' origin: the therapist's dock for the therapist, the client's session panel for everyone
// else (a person without a homework role gets "No homework for you in this session" from the
// frame: the host's token endpoint refuses them). `?lang=es` speaks Spanish, page and panels.
//
// window.anyHost is for tests: { ready, error, me, frame, HomeworkEmbed, remoteVideos(),
// probe: { send(text), relay(text), waitFor(text) } } (the benchmark's baselines: a plain
// RTCDataChannel message to every peer, and the same text relayed by the host's signalling server).

const lang = new URLSearchParams(location.search).get("lang") === "es" ? "es" : "en";
const text = {
  en: { title: "Video call", you: "You", homework: "Homework", videos: "Video", joined: (n) => `In the call: ${n}`,
    alone: "Waiting for the others to join…", failed: (why) => `Could not join the call: ${why}` },
  es: { title: "Videollamada", you: "Tú", homework: "Tareas", videos: "Vídeo", joined: (n) => `En la llamada: ${n}`,
    alone: "Esperando a que se unan los demás…", failed: (why) => `No se pudo entrar en la llamada: ${why}` },
}[lang];
document.documentElement.lang = lang;
document.getElementById("local-caption").textContent = text.you;
document.getElementById("homework").setAttribute("aria-label", text.homework);
document.getElementById("videos-heading").textContent = text.videos;

const status = document.getElementById("status");
const host = (window.anyHost = { ready: false, error: "" });
const peerId = crypto.randomUUID();
const connections = new Map(); // peer id -> { pc, display, figure, queue }
const displays = new Map();
const probeChannels = new Set();
const probeWaiters = new Map();

try {
  const me = await (await fetch("/host/me")).json();
  host.me = me;
  document.title = `${me.display}: ${text.title}`;
  document.getElementById("title").textContent = `${text.title}: ${me.display}`;

  // The homework panels, in an iframe from the panels' origin; tokens only to that origin.
  const { HomeworkEmbed } = await import(`${me.panelsOrigin}/dist/homework-embed.js`);
  host.HomeworkEmbed = HomeworkEmbed;
  host.frame = HomeworkEmbed.mount(document.getElementById("homework"), {
    frameUrl: me.frameUrl, view: me.person === "therapist" ? "therapist" : "client",
    session: me.session, client: me.client, api: me.api, lang, title: text.homework,
    allowedOrigins: [me.panelsOrigin], getToken: homeworkToken,
  });

  const local = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
  document.getElementById("local-video").srcObject = local;
  host.local = local;
  const events = new EventSource(`/signal?peer=${peerId}`);
  events.addEventListener("peers", (e) => {
    for (const { peer, display } of JSON.parse(e.data)) {
      displays.set(peer, display);
      connect(peer, local, true);
    }
    showWho();
    host.ready = true;
  });
  events.addEventListener("joined", (e) => { const { peer, display } = JSON.parse(e.data); displays.set(peer, display); });
  events.addEventListener("left", (e) => {
    const { peer } = JSON.parse(e.data);
    const connection = connections.get(peer);
    connection?.pc.close();
    connection?.figure.remove();
    connections.delete(peer);
    showWho();
  });
  events.addEventListener("signal", (e) => {
    const { from, data } = JSON.parse(e.data);
    if (data.probe !== undefined) return arrived(data.probe);
    const connection = connections.get(from) ?? connect(from, local, false);
    // One signal at a time per peer: a candidate must not overtake the description before it.
    connection.queue = connection.queue.then(() => onSignal(connection, from, data)).catch((error) => {
      host.error = `signal: ${error.message}`;
    });
  });
} catch (error) {
  host.error = String(error?.message ?? error);
  status.textContent = text.failed(host.error);
}

/** The launch handoff: the host's own session (a cookie) for a short-lived homework token. */
async function homeworkToken() {
  const response = await fetch("/host/homework-token", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw Object.assign(new Error(answer.error ?? `HTTP ${response.status}`), { code: answer.error });
  return answer.token;
}

function connect(peer, local, offering) {
  const pc = new RTCPeerConnection({ iceServers: [] });
  for (const track of local.getTracks()) pc.addTrack(track, local);
  const figure = document.createElement("figure");
  const video = Object.assign(document.createElement("video"), { autoplay: true, playsInline: true, muted: true });
  video.dataset.peer = peer;
  const caption = document.createElement("figcaption");
  caption.textContent = displays.get(peer) ?? "…";
  figure.append(video, caption);
  document.getElementById("videos").append(figure);
  const connection = { pc, figure, queue: Promise.resolve() };
  connections.set(peer, connection);
  pc.onicecandidate = (e) => { if (e.candidate) void signal(peer, { candidate: e.candidate.toJSON() }); };
  pc.ontrack = (e) => { video.srcObject = e.streams[0]; };
  pc.onconnectionstatechange = showWho;
  if (offering) {
    probe(pc.createDataChannel("probe"));
    connection.queue = (async () => {
      await pc.setLocalDescription(await pc.createOffer());
      await signal(peer, { description: pc.localDescription });
    })();
  } else {
    pc.ondatachannel = (e) => probe(e.channel);
  }
  showWho();
  return connection;
}

async function onSignal({ pc }, from, data) {
  if (data.description) {
    await pc.setRemoteDescription(data.description);
    if (data.description.type === "offer") {
      await pc.setLocalDescription(await pc.createAnswer());
      await signal(from, { description: pc.localDescription });
    }
  } else if (data.candidate) {
    await pc.addIceCandidate(data.candidate);
  }
}

function signal(to, data) {
  return fetch("/signal", { method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ from: peerId, to, data }) });
}

function showWho() {
  const names = [...connections.entries()].filter(([, c]) => c.pc.connectionState === "connected")
    .map(([peer]) => displays.get(peer) ?? "…");
  status.textContent = names.length === 0 ? text.alone : text.joined(names.join(", "));
}

/** The benchmark's baseline: a plain data-channel message, stamped on arrival. */
function probe(channel) {
  channel.onopen = () => probeChannels.add(channel);
  channel.onclose = () => probeChannels.delete(channel);
  channel.onmessage = (e) => arrived(e.data);
}

function arrived(message) {
  const at = performance.timeOrigin + performance.now();
  probeWaiters.get(message)?.(at);
  probeWaiters.delete(message);
}

host.probe = {
  send(message) { for (const channel of probeChannels) channel.send(message); },
  /** The same message through the host's server (POST /signal, then the other's event stream). */
  relay(message) { for (const peer of connections.keys()) void signal(peer, { probe: message }); },
  waitFor(message) { return new Promise((resolve) => probeWaiters.set(message, resolve)); },
  get open() { return probeChannels.size; },
};
host.remoteVideos = () => [...document.querySelectorAll("video[data-peer]")]
  .map((v) => ({ display: v.nextElementSibling.textContent, width: v.videoWidth, time: v.currentTime }));
