// The browser listener through the official @connectrpc/connect-node transports and the types
// generated from proto/: Connect JSON, Connect binary, gRPC-Web, and Connect GET for a
// side-effect-free method (the request must actually go out as GET), each for a unary read and
// a WatchEvents stream that receives an event. Run: tsx connect_node_test.ts --server PATH --ctl PATH
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Code, ConnectError, createClient, type Interceptor, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { HomeworkService } from "../../plugin/web/src/gen/therapy/homework/v1/homework_service_pb.js";
import { MethodOptions_IdempotencyLevel, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Completion_Status } from "../../plugin/web/src/gen/therapy/homework/v1/completion_pb.js";
import { binariesFromArgs, ServerProcess } from "../portal/harness.js";
import { TIME_ZONE, seed, type Seeded } from "../portal/fixture.js";

// One server for the file; each transport's tests run in order.
let server: ServerProcess;
let seeded: Seeded;
const transports = new Map<string, Transport>();

before(async () => {
  server = await ServerProcess.start(binariesFromArgs(process.argv));
  seeded = await seed(server);
  const token = server.token("platform-backend", "service");
  const auth: Interceptor = (next) => async (request) => {
    request.header.set("Authorization", `Bearer ${token}`);
    return next(request);
  };
  const baseUrl = server.connectUrl;
  transports.set("Connect JSON", createConnectTransport({ baseUrl, httpVersion: "1.1", interceptors: [auth] }));
  transports.set("Connect binary", createConnectTransport({ baseUrl, httpVersion: "1.1", useBinaryFormat: true, interceptors: [auth] }));
  transports.set("gRPC-Web", createGrpcWebTransport({ baseUrl, httpVersion: "1.1", interceptors: [auth] }));
  transports.set("Connect GET", createConnectTransport({ baseUrl, httpVersion: "1.1", useHttpGet: true, interceptors: [auth] }));
});

after(async () => {
  await server?.stop();
});

/** The HomeworkService stub over the transport `name`. */
function api(name: string) {
  const transport = transports.get(name);
  assert.ok(transport, `the transport ${name} was made`);
  return createClient(HomeworkService, transport);
}

let n = 0;
for (const name of ["Connect JSON", "Connect binary", "gRPC-Web", "Connect GET"]) {
  test(`${name}: GetCaller answers with the caller's subject`, async () => {
    const caller = await api(name).getCaller({});
    assert.equal(caller.subject, "platform-backend", `${name}: GetCaller subject`);
  });
  if (name === "Connect GET") {
    test(`${name}: GetCaller goes out as GET`, async () => {
      // connect-node turns the POST into a GET after the interceptors, when the generated
      // method carries idempotency_level = NO_SIDE_EFFECTS; the server logs GETs as such.
      assert.equal(HomeworkService.method.getCaller.idempotency, MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS,
        "the generated GetCaller carries NO_SIDE_EFFECTS");
      // The server's log line may reach us a moment after the answer.
      const get = /"http_method":"GET"[^\n]*"method":"GetCaller"/;
      for (let i = 0; i < 40 && !get.test(server.log()); i++) await new Promise((r) => setTimeout(r, 50));
      assert.ok(get.test(server.log()), `${name}: GetCaller went out as GET`);
    });
  }

  test(`${name}: CreateClient, ALREADY_EXISTS on a second create, GetClient`, async () => {
    // A write, then its error contract: ALREADY_EXISTS on the second create.
    const stub = api(name);
    const clientId = `edge-${++n}`;
    const created = await stub.createClient({
      parent: "practices/demo", clientId,
      client: { displayName: "Edge", timeZone: "Europe/Berlin", careTeam: ["dr-ada"] },
    });
    assert.equal(created.name, `practices/demo/clients/${clientId}`, `${name}: CreateClient`);
    await assert.rejects(
      stub.createClient({ parent: "practices/demo", clientId, client: { displayName: "Again", timeZone: "Europe/Berlin" } }),
      (error) => {
        assert.equal(ConnectError.from(error).code, Code.AlreadyExists, `${name}: ALREADY_EXISTS`);
        return true;
      },
      `${name}: a second create fails`);
    const got = await stub.getClient({ name: created.name });
    assert.equal(got.displayName, "Edge", `${name}: GetClient`);
  });

  // Server streaming: the stream is live, then sees a recorded completion.
  if (name !== "Connect GET") {
    test(`${name}: WatchEvents delivers a recorded completion`, async () => {
      const stub = api(name);
      const controller = new AbortController();
      const stream = stub.watchEvents({ parent: "practices/demo" }, { signal: controller.signal, timeoutMs: 4000 });
      const iterator = stream[Symbol.asyncIterator]();
      try {
        const first = iterator.next();
        await new Promise((resolve) => setTimeout(resolve, 300));
        const recorded = await stub.createCompletion({
          parent: seeded.mood.name,
          completion: { occurTime: timestampFromDate(new Date()), occurTimeZone: TIME_ZONE, status: Completion_Status.DONE, mood: 6 },
        });
        const event = await first;
        assert.equal(event.done ? "" : event.value.resource, recorded.name,
          `${name}: WatchEvents delivered the new client's event`);
      } finally {
        controller.abort();
        try { await iterator.return?.(); } catch { /* aborted */ }
      }
    });
  }
}
