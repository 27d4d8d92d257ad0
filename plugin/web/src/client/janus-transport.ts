// A @connectrpc/connect Transport over the homework plugin in a Janus session: unary calls go
// out as the plugin's `call` request and resolve from its `result` (or reject from its `error`)
// event, so the same typed client (createHomeworkClient) serves the panels in a session and the
// portal over HTTP. The plugin runs each call with the participant's own token; headers given to
// a call are ignored (the token travels once, in `join`/`token`).
//
// stream() rejects with Code.Unimplemented: in a session the plugin relays WatchEvents itself
// (SessionChannel's `event`).

import {
  create,
  fromJson,
  toJson,
  type DescMessage,
  type DescMethodStreaming,
  type DescMethodUnary,
  type MessageInitShape,
} from "@bufbuild/protobuf";
import { Code, ConnectError, type StreamResponse, type Transport, type UnaryResponse } from "@connectrpc/connect";
import type { SessionChannel } from "./session-channel.js";

/** Returns a Transport whose unary calls run through `channel` (which must have joined). */
export function createJanusTransport(channel: SessionChannel): Transport {
  return {
    async unary<I extends DescMessage, O extends DescMessage>(
      method: DescMethodUnary<I, O>,
      signal: AbortSignal | undefined,
      _timeoutMs: number | undefined,
      _header: HeadersInit | undefined,
      input: MessageInitShape<I>,
    ): Promise<UnaryResponse<I, O>> {
      signal?.throwIfAborted();
      const request = create(method.input, input);
      const body = await abortable(channel.call(method.name, toJson(method.input, request)), signal);
      return {
        stream: false,
        service: method.parent,
        method,
        header: new Headers(),
        trailer: new Headers(),
        message: fromJson(method.output, body, { ignoreUnknownFields: true }),
      };
    },

    stream<I extends DescMessage, O extends DescMessage>(
      method: DescMethodStreaming<I, O>,
    ): Promise<StreamResponse<I, O>> {
      return Promise.reject(
        new ConnectError(`${method.name} is not callable in a session: the plugin relays events itself`, Code.Unimplemented),
      );
    },
  };
}

/** Rejects with Code.Canceled when `signal` aborts first (the plugin call itself still runs). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new ConnectError("call cancelled", Code.Canceled));
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => { signal.removeEventListener("abort", onAbort); resolve(value); },
      (error: unknown) => { signal.removeEventListener("abort", onAbort); reject(error); },
    );
  });
}
