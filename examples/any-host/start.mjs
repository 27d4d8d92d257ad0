// Starts the any-host example beside a running homework-server (what the demo launcher,
// examples/telehealth-session/start.mjs, does after the Janus demo, and what the any-host test
// does): as the platform, the call's Session through the service (CreateSession); the video
// host's server (host-server.mjs: call page, signalling, sign-in and the homework-token handoff)
// and the panels' deployment on another origin (panels-server.mjs). The browser API's
// --cors_origins must list the panels' origins (`panelsOrigins(ports)`), since the frame calls it
// from there.
//
//   const host = await startAnyHost({ service, seeded, ports: { host: 8084, panels: 8085 } });
//   host.therapistUrl, host.clientUrl, host.interpreterUrl; await host.stop();
import { startHostServer } from "./host-server.mjs";
import { startPanelsServer } from "./panels-server.mjs";

/** The people of the call on the host: display name and, when they have one, their homework person. */
export const callPeople = {
  therapist: { display: "Dr Ada", homework: "therapist" },
  client: { display: "Alex", homework: "client" },
  interpreter: { display: "Kim (interpreter)" },
};

/** The panels' origins the browser API must accept calls from (its --cors_origins). */
export function panelsOrigins(ports) {
  return [`http://127.0.0.1:${ports.panels}`, `http://localhost:${ports.panels}`];
}

/**
 * Options: `service` (startService's result: connectUrl, tokens, mintToken, callService),
 * `seeded` (seedDemo's result: the client), `ports` { host, panels } (fixed; the service's CORS
 * was set for `panels`), `sessionId` (default "anyhost-call"), `parentHosts` (host names the
 * panels accept as the parent's, default 127.0.0.1 and localhost), `frameAncestors` (default
 * true). Resolves with the addresses, the session's name and `stop()`.
 */
export async function startAnyHost({ service, seeded, ports, sessionId = "anyhost-call",
  parentHosts = ["127.0.0.1", "localhost"], frameAncestors = true }) {
  const practice = seeded.client.split("/clients/")[0];
  const session = await service.callService("CreateSession", {
    parent: practice, sessionId, session: { client: seeded.client, externalId: "any-host p2p call" },
  }, service.tokens.platform);

  const panels = await startPanelsServer({ port: ports.panels, frameAncestors,
    allowedParents: parentHosts.map((name) => `http://${name}:${ports.host}`) });
  let host;
  try {
    host = await startHostServer({
      port: ports.host, people: callPeople, mintToken: service.mintToken,
      call: { session: session.name, client: seeded.client, api: service.connectUrl,
        panelsOrigin: panels.origin, frameUrl: `${panels.url}/homework-frame.html` },
    });
  } catch (error) {
    await panels.close();
    throw error;
  }
  return {
    session: session.name, hostUrl: host.url, panelsOrigin: panels.origin, panelsUrl: panels.url, apiUrl: service.connectUrl,
    therapistUrl: `${host.url}/therapist`, clientUrl: `${host.url}/client`, interpreterUrl: `${host.url}/interpreter`,
    stop: async () => { await host.close(); await panels.close(); },
  };
}

/** The launcher's lines about the example. */
export function anyHostSummary(anyHost) {
  return `Any-host example (peer to peer, no Janus; panels framed from ${anyHost.panelsOrigin}):
  Dr Ada, therapist                   ${anyHost.therapistUrl}
  Alex, client                        ${anyHost.clientUrl}
  Kim, interpreter (no homework)      ${anyHost.interpreterUrl}   (add ?lang=es for Spanish)
From another machine, tunnel its call page, the panels and the browser API (the frame calls it):
  ssh ${[anyHost.hostUrl, anyHost.panelsOrigin, anyHost.apiUrl].map((u) => `-L ${new URL(u).port}:127.0.0.1:${new URL(u).port}`).join(" ")} THIS_HOST
  (video is peer to peer: the two browsers need a network path to each other)`;
}
