// The benchmark's baseline: Janus's stock TextRoom plugin relaying a message from one page to
// another over the same Janus. Attaches a handle, opens its data channel, joins `room` and
// resolves with { send(text), waitFor(text), received: [{ text, at }] } where `at` is the
// wall-clock receive time in ms (performance.timeOrigin + performance.now(), comparable across
// pages of one host); waitFor resolves with the `at` of the first message with that text.

export function attachTextRoomProbe(janus, room, display) {
  return new Promise((resolve, reject) => {
    let handle;
    const username = `u${Math.random().toString(36).slice(2, 10)}`;
    const received = [];
    const waiting = new Map();
    let transaction = 0;
    const probe = {
      received,
      waitFor: (text) => {
        const seen = received.find((m) => m.text === text);
        return seen ? Promise.resolve(seen.at) : new Promise((done) => waiting.set(text, done));
      },
      send: (text) => handle.data({ text: JSON.stringify({ textroom: "message", transaction: `t${++transaction}`, room, text }) }),
    };
    janus.attach({
      plugin: "janus.plugin.textroom",
      success: (h) => { handle = h; handle.send({ message: { request: "setup" } }); },
      error: reject,
      onmessage: (_message, jsep) => {
        if (!jsep) return;
        handle.createAnswer({
          jsep,
          tracks: [{ type: "data" }],
          success: (answer) => handle.send({ message: { request: "ack" }, jsep: answer }),
          error: reject,
        });
      },
      ondataopen: () => {
        handle.data({
          text: JSON.stringify({ textroom: "join", transaction: "join", room, username, display }),
          error: reject,
        });
      },
      ondata: (data) => {
        const message = JSON.parse(data);
        if (message.transaction === "join" && message.textroom === "success") resolve(probe);
        else if (message.textroom === "error" && message.transaction === "join") reject(new Error(message.error));
        else if (message.textroom === "message") {
          const at = performance.timeOrigin + performance.now();
          received.push({ text: message.text, at });
          waiting.get(message.text)?.(at);
          waiting.delete(message.text);
        }
      },
    });
  });
}
