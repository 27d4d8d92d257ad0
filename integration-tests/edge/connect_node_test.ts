// The browser listener through the official @connectrpc/connect-node transports and the types
// generated from proto/: Connect JSON, Connect binary, gRPC-Web, and Connect GET for a
// side-effect-free method (the request must actually go out as GET), each for a unary read and
// a WatchEvents stream that receives an event. Run: tsx connect_node_test.ts --server PATH --ctl PATH
import { Code, ConnectError, createClient, type Interceptor, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { HomeworkService } from "../../plugin/web/src/gen/therapy/homework/v1/homework_service_pb.js";
import { MethodOptions_IdempotencyLevel, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Completion_Status } from "../../plugin/web/src/gen/therapy/homework/v1/completion_pb.js";
import { binariesFromArgs, Checks, ServerProcess } from "../portal/harness.js";
import { TIME_ZONE, seed } from "../portal/fixture.js";

async function main(): Promise<number> {
  const checks = new Checks();
  const server = await ServerProcess.start(binariesFromArgs(process.argv));
  try {
    const seeded = await seed(server);
    const token = server.token("platform-backend", "service");
    const auth: Interceptor = (next) => async (request) => {
      request.header.set("Authorization", `Bearer ${token}`);
      return next(request);
    };
    const baseUrl = server.connectUrl;
    const transports: Array<[string, Transport]> = [
      ["Connect JSON", createConnectTransport({ baseUrl, httpVersion: "1.1", interceptors: [auth] })],
      ["Connect binary", createConnectTransport({ baseUrl, httpVersion: "1.1", useBinaryFormat: true, interceptors: [auth] })],
      ["gRPC-Web", createGrpcWebTransport({ baseUrl, httpVersion: "1.1", interceptors: [auth] })],
      ["Connect GET", createConnectTransport({ baseUrl, httpVersion: "1.1", useHttpGet: true, interceptors: [auth] })],
    ];
    let n = 0;
    for (const [name, transport] of transports) {
      const api = createClient(HomeworkService, transport);
      const caller = await api.getCaller({});
      checks.equal(caller.subject, "platform-backend", `${name}: GetCaller subject`);
      if (name === "Connect GET") {
        // connect-node turns the POST into a GET after the interceptors, when the generated
        // method carries idempotency_level = NO_SIDE_EFFECTS; the server logs GETs as such.
        checks.equal(HomeworkService.method.getCaller.idempotency, MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS,
          "the generated GetCaller carries NO_SIDE_EFFECTS");
        // The server's log line may reach us a moment after the answer.
        const get = /"http_method":"GET"[^\n]*"method":"GetCaller"/;
        for (let i = 0; i < 40 && !get.test(server.log()); i++) await new Promise((r) => setTimeout(r, 50));
        checks.expect(get.test(server.log()), `${name}: GetCaller went out as GET`);
      }

      // A write, then its error contract: ALREADY_EXISTS on the second create.
      const clientId = `edge-${++n}`;
      const created = await api.createClient({
        parent: "practices/demo", clientId,
        client: { displayName: "Edge", timeZone: "Europe/Berlin", careTeam: ["dr-ada"] },
      });
      checks.equal(created.name, `practices/demo/clients/${clientId}`, `${name}: CreateClient`);
      try {
        await api.createClient({ parent: "practices/demo", clientId, client: { displayName: "Again", timeZone: "Europe/Berlin" } });
        checks.expect(false, `${name}: a second create fails`);
      } catch (error) {
        checks.equal(ConnectError.from(error).code, Code.AlreadyExists, `${name}: ALREADY_EXISTS`);
      }
      const got = await api.getClient({ name: created.name });
      checks.equal(got.displayName, "Edge", `${name}: GetClient`);

      // Server streaming: the stream is live, then sees a recorded completion.
      if (name !== "Connect GET") {
        const controller = new AbortController();
        const stream = api.watchEvents({ parent: "practices/demo" }, { signal: controller.signal, timeoutMs: 4000 });
        const iterator = stream[Symbol.asyncIterator]();
        const first = iterator.next();
        await new Promise((resolve) => setTimeout(resolve, 300));
        const recorded = await api.createCompletion({
          parent: seeded.mood.name,
          completion: { occurTime: timestampFromDate(new Date()), occurTimeZone: TIME_ZONE, status: Completion_Status.DONE, mood: 6 },
        });
        const event = await first;
        checks.equal(event.done ? "" : event.value.resource, recorded.name,
          `${name}: WatchEvents delivered the new client's event`);
        controller.abort();
        try { await iterator.return?.(); } catch { /* aborted */ }
      }
    }
  } catch (error) {
    checks.expect(false, `unexpected error: ${error instanceof Error ? error.stack : String(error)}\n${server.log()}`);
  } finally {
    await server.stop();
  }
  return checks.finish("edge_connect_node_test");
}

main().then((code) => process.exit(code), (error) => { console.error(error); process.exit(1); });
