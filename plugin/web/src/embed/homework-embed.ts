// The iframe host SDK (dist/homework-embed.js), for a video host that keeps third-party code out of
// its own page: `HomeworkEmbed.mount(container, options)` puts the homework panels' frame page
// (frame.ts, served from the panels' own origin) in an iframe, keeps the iframe as tall as its
// content (the frame posts its height), and answers the frame's token requests with the host's
// `getToken()` (docs/embedding.md). Security rests on origins, checked on both sides:
//
// - the host answers only messages whose source is this iframe's window, whose origin is the
//   frame URL's origin, and only when that origin is in `allowedOrigins`; it posts every answer
//   with that origin as the target, so a frame navigated elsewhere receives nothing;
// - the frame accepts messages only from a parent origin on its own allowlist, which the panels'
//   deployment sets (frame.ts), never the host.
//
// A frame URL whose origin is not in `allowedOrigins` is still mounted (the host sees the frame
// and `onError` says why it stays empty) but never gets a token.
//
//   import { HomeworkEmbed } from "https://panels.example/dist/homework-embed.js";
//   HomeworkEmbed.mount(document.getElementById("homework"), {
//     frameUrl: "https://panels.example/embed/frame.html", view: "therapist",
//     session: "practices/p/sessions/s", client: "practices/p/clients/c",
//     api: "https://homework.example", allowedOrigins: ["https://panels.example"],
//     getToken: () => fetch("/homework-token", { method: "POST" }).then((r) => r.json()).then((j) => j.token),
//   });
import {
  MESSAGE_HANDSHAKE, MESSAGE_RESIZE, MESSAGE_TOKEN, asRequest, newMessageId, normalOrigin, originSet,
  type EmbedRequest, type EmbedResponse, type TokenRefusal,
} from "./messages.js";

/** What `HomeworkEmbed.mount` needs. */
export interface MountOptions {
  /** The frame page of the panels' deployment (absolute URL), e.g. `https://panels.example/embed/frame.html`. */
  frameUrl: string;
  /** Which panels: the therapist's dock, or the client's session panel. */
  view: "therapist" | "client";
  /** The session's resource name, `practices/{p}/sessions/{s}`. */
  session: string;
  /** The client's resource name, `practices/{p}/clients/{c}`. */
  client: string;
  /** The browser API's base URL (the service's Connect listener), e.g. `https://homework.example`. */
  api: string;
  /**
   * Resolves with a short-lived homework token for the person on this page (the host's server
   * exchanges its own session for it: the launch handoff). Called whenever the frame asks, i.e.
   * at start and before the last token expires. Reject with an Error whose `code` is
   * "permission_denied" for a person without a homework role (the frame then says so and shows
   * nothing).
   */
  getToken: () => Promise<string>;
  /** The origins this host hands tokens to: the frame URL's origin must be one of them. */
  allowedOrigins: string[];
  /** Optional. The panels' language (BCP 47, "en" or "es"); the host page's `lang` by default. */
  lang?: string;
  /** Optional. The iframe's accessible title; "Homework" by default. */
  title?: string;
  /** Optional. Told once when the frame cannot be given tokens (its origin is not allowed). */
  onError?: (error: Error) => void;
}

/** A mounted frame. */
export interface EmbeddedFrame {
  readonly iframe: HTMLIFrameElement;
  /** Resolves when the frame has made contact (its handshake). */
  readonly ready: Promise<void>;
  /** How many tokens were handed to the frame so far. */
  readonly tokensHanded: number;
  /** Removes the iframe and stops answering it. */
  unmount(): void;
}

/** Heights the host accepts from a frame, in CSS pixels. */
const MIN_HEIGHT = 80;
const MAX_HEIGHT = 20_000;

/** Mounts the homework frame into `container`. Throws for a `frameUrl` that is not http(s). */
function mount(container: HTMLElement, options: MountOptions): EmbeddedFrame {
  const frameOrigin = normalOrigin(options.frameUrl);
  if (frameOrigin === undefined) throw new TypeError("HomeworkEmbed.mount: frameUrl must be an absolute http(s) URL");
  const allowed = originSet(options.allowedOrigins).has(frameOrigin);
  const handle = newMessageId();

  const url = new URL(options.frameUrl);
  url.searchParams.set("view", options.view);
  url.searchParams.set("session", options.session);
  url.searchParams.set("client", options.client);
  url.searchParams.set("api", options.api);
  url.searchParams.set("messaging_handle", handle);
  // A hint for browsers without location.ancestorOrigins; the frame checks it against its own list.
  url.searchParams.set("parent_origin", location.origin);
  const lang = options.lang ?? document.documentElement.lang;
  if (lang) url.searchParams.set("lang", lang);

  const iframe = document.createElement("iframe");
  iframe.title = options.title ?? "Homework";
  iframe.src = url.href;
  iframe.referrerPolicy = "origin";
  iframe.style.cssText = `display:block;width:100%;border:0;height:${MIN_HEIGHT}px`;
  iframe.setAttribute("sandbox", "allow-scripts allow-same-origin allow-forms");

  let tokensHanded = 0;
  let contacted: () => void = () => {};
  const ready = new Promise<void>((resolve) => { contacted = resolve; });
  if (!allowed) {
    options.onError?.(new Error(`HomeworkEmbed: the frame's origin ${frameOrigin} is not in allowedOrigins; it gets no token`));
  }

  const answer = (request: EmbedRequest, payload: Record<string, unknown>) => {
    const response: EmbedResponse = { messageId: newMessageId(), responseToMessageId: request.messageId, payload };
    iframe.contentWindow?.postMessage(response, frameOrigin);
  };

  const onMessage = async (event: MessageEvent) => {
    if (!allowed || event.source === null || event.source !== iframe.contentWindow || event.origin !== frameOrigin) return;
    const request = asRequest(event.data);
    if (request === undefined || request.messagingHandle !== handle) return;
    switch (request.messageType) {
      case MESSAGE_HANDSHAKE:
        answer(request, {});
        contacted();
        return;
      case MESSAGE_TOKEN: {
        let payload: Record<string, unknown>;
        try {
          const token = await options.getToken();
          if (typeof token !== "string" || token === "") throw new Error("getToken resolved without a token");
          payload = { token };
          tokensHanded++;
        } catch (error) {
          const code = (error as { code?: unknown })?.code === "permission_denied" ? "permission_denied" : "unavailable";
          const refusal: TokenRefusal = { code, message: code === "permission_denied" ? "no homework role" : "no token" };
          payload = { error: refusal };
        }
        answer(request, payload);
        return;
      }
      case MESSAGE_RESIZE: {
        const height = Number(request.payload.height);
        if (Number.isFinite(height)) {
          iframe.style.height = `${Math.min(MAX_HEIGHT, Math.max(MIN_HEIGHT, Math.ceil(height)))}px`;
        }
        return;
      }
      default:
        answer(request, { error: { code: "unimplemented", message: `unknown messageType ${request.messageType}` } });
    }
  };
  window.addEventListener("message", onMessage);
  container.append(iframe);

  return {
    iframe,
    ready,
    get tokensHanded() { return tokensHanded; },
    unmount() {
      window.removeEventListener("message", onMessage);
      iframe.remove();
    },
  };
}

export const HomeworkEmbed = { mount };

// For hosts that load the SDK with a classic <script type="module"> and no import.
(globalThis as { HomeworkEmbed?: typeof HomeworkEmbed }).HomeworkEmbed = HomeworkEmbed;
