// The frame page's script (dist/homework-frame.js, loaded by dist/homework-frame.html): runs inside
// the iframe HomeworkEmbed.mount (homework-embed.ts) puts on a host's page, on the panels' own
// origin. It mounts the self-wiring therapist dock or client session panel, whose `getToken` asks
// the parent page for a token by postMessage, and tells the parent its height.
//
// Which parents it talks to is the panels' deployment's choice, not the parent's: the origins in
// `<meta name="homework-allowed-parents" content="https://host.example https://other.example">`
// of the frame page (serve it with a matching `Content-Security-Policy: frame-ancestors` too).
// The parent is `location.ancestorOrigins[0]` where the browser has it, else the URL's
// `parent_origin` hint; either must be on that list, or the frame shows why it stays empty and
// sends nothing. It posts only to that origin and accepts only responses from the parent window
// at that origin to requests it made.
//
// URL parameters (set by HomeworkEmbed.mount): view (therapist|client), session, client, api,
// messaging_handle, parent_origin, lang. None of them is a secret or clinical.
//
// window.homeworkFrame tells tests what happened: { state, tokenRequests }, state one of
// "connecting", "not-framed", "parent-not-allowed", "no-homework", "no-token", "mounted".
// The panels the page may show: the dock creates its review and assign panels itself.
import "../panels/therapist-dock.js";
import "../panels/review-panel.js";
import "../panels/assign-panel.js";
import "../panels/session-panel.js";
import { catalogue, resolveLocale } from "../shared/i18n.js";
import {
  MESSAGE_HANDSHAKE, MESSAGE_RESIZE, MESSAGE_TOKEN, asResponse, newMessageId, normalOrigin, originSet,
  type EmbedRequest, type EmbedResponse, type TokenRefusal,
} from "./messages.js";

type FrameState = "connecting" | "not-framed" | "parent-not-allowed" | "no-homework" | "no-token" | "mounted";

/** How long the frame waits for the host to answer one request. */
const ANSWER_TIMEOUT_MS = 15_000;
/** A token is asked for again this long before it expires. */
const TOKEN_MARGIN_MS = 60_000;

const params = new URLSearchParams(location.search);
const locale = resolveLocale(params.get("lang"));
document.documentElement.lang = locale;
const words = catalogue(locale);
const text = words.embed;
const root = document.getElementById("homework-root") ?? document.body;
const status = (() => {
  const element = document.createElement("p");
  element.setAttribute("role", "status");
  element.className = "homework-frame-status";
  root.append(element);
  return element;
})();
const frame: { state: FrameState; tokenRequests: number } = { state: "connecting", tokenRequests: 0 };
(window as { homeworkFrame?: typeof frame }).homeworkFrame = frame;

function show(state: FrameState, message: string): void {
  frame.state = state;
  status.textContent = message;
}

/** The parent's origin when the deployment allows it, else undefined. */
function allowedParent(): string | undefined {
  const allowed = originSet((document.querySelector('meta[name="homework-allowed-parents"]')?.getAttribute("content") ?? "")
    .split(/\s+/).filter(Boolean));
  const ancestors = (location as Location & { ancestorOrigins?: DOMStringList }).ancestorOrigins;
  const claimed = ancestors && ancestors.length > 0 ? ancestors[0] : params.get("parent_origin");
  const origin = claimed ? normalOrigin(claimed) : undefined;
  return origin !== undefined && allowed.has(origin) ? origin : undefined;
}

/** Requests to the parent, each answered once or timed out. */
class ParentLink {
  private readonly pending = new Map<string, (response: EmbedResponse) => void>();

  constructor(private readonly origin: string, private readonly handle: string) {
    window.addEventListener("message", (event) => {
      if (event.source !== window.parent || event.origin !== this.origin) return;
      const response = asResponse(event.data);
      const settle = response && this.pending.get(response.responseToMessageId);
      if (response === undefined || settle === undefined) return;
      this.pending.delete(response.responseToMessageId);
      settle(response);
    });
  }

  /** Sends a request; resolves with the response's payload. */
  request(messageType: string, payload: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const request: EmbedRequest = { messageId: newMessageId(), messagingHandle: this.handle, messageType, payload };
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(request.messageId);
        reject(new Error(`${messageType}: no answer from the host`));
      }, ANSWER_TIMEOUT_MS);
      this.pending.set(request.messageId, (response) => {
        clearTimeout(timer);
        resolve(response.payload);
      });
      window.parent.postMessage(request, this.origin);
    });
  }

  /** Sends a request that gets no response. */
  tell(messageType: string, payload: Record<string, unknown>): void {
    const request: EmbedRequest = { messageId: newMessageId(), messagingHandle: this.handle, messageType, payload };
    window.parent.postMessage(request, this.origin);
  }
}

/** A token refused by the host, with the host's reason. */
class TokenRefused extends Error {
  constructor(readonly refusal: TokenRefusal) {
    super(`token refused: ${refusal.code}`);
  }
}

/** getToken for the panels: the current token until shortly before it expires, then a fresh one. */
function tokenSource(link: ParentLink): () => Promise<string> {
  let current: { token: string; expiresAt: number } | undefined;
  let asking: Promise<string> | undefined;
  const ask = async () => {
    frame.tokenRequests++;
    const payload = await link.request(MESSAGE_TOKEN);
    const refusal = payload.error as TokenRefusal | undefined;
    if (refusal !== undefined || typeof payload.token !== "string") {
      throw new TokenRefused(refusal ?? { code: "unavailable", message: "no token" });
    }
    current = { token: payload.token, expiresAt: expiryOf(payload.token) };
    return payload.token;
  };
  return () => {
    if (current !== undefined && current.expiresAt - TOKEN_MARGIN_MS > Date.now()) return Promise.resolve(current.token);
    asking ??= ask().finally(() => { asking = undefined; });
    return asking;
  };
}

/** The `exp` of a JWT in ms (read, not verified: only to know when to ask again); now when unreadable. */
function expiryOf(token: string): number {
  try {
    const claims = JSON.parse(atob((token.split(".")[1] ?? "").replace(/-/g, "+").replace(/_/g, "/"))) as { exp?: unknown };
    return typeof claims.exp === "number" ? claims.exp * 1000 : Date.now();
  } catch {
    return Date.now();
  }
}

/** Posts the content's height to the parent whenever it changes. */
function reportHeight(link: ParentLink): void {
  let last = -1;
  const post = () => {
    const height = Math.ceil(root.getBoundingClientRect().height);
    if (height === last) return;
    last = height;
    link.tell(MESSAGE_RESIZE, { height });
  };
  new ResizeObserver(post).observe(root);
  post();
}

async function start(): Promise<void> {
  if (window.parent === window) {
    show("not-framed", text.notFramed);
    return;
  }
  const parentOrigin = allowedParent();
  if (parentOrigin === undefined) {
    show("parent-not-allowed", text.parentNotAllowed);
    return;
  }
  show("connecting", text.connecting);
  const link = new ParentLink(parentOrigin, params.get("messaging_handle") ?? "");
  reportHeight(link);
  const getToken = tokenSource(link);
  try {
    await link.request(MESSAGE_HANDSHAKE);
    await getToken();
  } catch (error) {
    if (error instanceof TokenRefused && error.refusal.code === "permission_denied") show("no-homework", words.panels.noHomeworkHere);
    else show("no-token", text.noToken);
    return;
  }
  const element = document.createElement(params.get("view") === "therapist" ? "homework-therapist-dock" : "homework-session-panel");
  for (const name of ["api", "session", "client"]) element.setAttribute(name, params.get(name) ?? "");
  (element as HTMLElement & { getToken?: () => Promise<string> }).getToken = getToken;
  status.textContent = "";
  status.hidden = true;
  root.append(element);
  frame.state = "mounted";
}

void start();
