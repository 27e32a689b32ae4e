// A room's live events: GET /chatroom/{id}/events read with fetch() (an
// EventSource cannot send the bearer token), its server-sent events parsed
// here, reconnecting with Last-Event-ID when the stream drops.

import { ApiError, bearer, sessionWasRefused, toError } from "./api.js";

// The text/event-stream format (WHATWG HTML, "server-sent events"): fields
// per line, an event per blank line, comments (keep-alives) start with ":".
export class SseParser {
  constructor() {
    this.lastEventId = "";
    this.retry = null;
    this.restart();
  }

  // A new connection: a half-read line or event of the old one is dropped.
  restart() {
    this.buffer = "";
    this.type = "";
    this.data = [];
  }

  // The events completed by `text` (the stream's next decoded chunk).
  feed(text) {
    this.buffer += text;
    const events = [];
    for (;;) {
      const end = this.buffer.search(/[\r\n]/);
      if (end < 0) break;
      // A final "\r" may be the first half of "\r\n": wait for the next chunk.
      if (this.buffer[end] === "\r" && end === this.buffer.length - 1) break;
      const line = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + (this.buffer.startsWith("\r\n", end) ? 2 : 1));
      const event = this.line(line);
      if (event) events.push(event);
    }
    return events;
  }

  line(line) {
    if (line === "") return this.dispatch();
    if (line.startsWith(":")) return null;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") this.type = value;
    else if (field === "data") this.data.push(value);
    else if (field === "id" && !value.includes("\0")) this.lastEventId = value;
    else if (field === "retry" && /^\d+$/.test(value)) this.retry = Number(value);
    return null;
  }

  dispatch() {
    const event = this.data.length
      ? { type: this.type || "message", data: this.data.join("\n"), id: this.lastEventId }
      : null;
    this.type = "";
    this.data = [];
    return event;
  }
}

const MAX_BACKOFF = 15000;
const MESSAGE_EVENTS = new Set([
  "message.created", "message.delta", "message.completed", "message.failed", "message.cancelled",
  "room.renamed",
]);

// Answers that will not get better by asking again.
function isFinal(error) {
  return error instanceof ApiError && error.status >= 400 && error.status < 500
    && error.status !== 408 && error.status !== 429;
}

// Keeps one room's stream open until stop(). Callbacks:
//   onEvent(type, payload)  a parsed event (payload is its JSON data)
//   onState(state)          "connecting" | "live" | "reconnecting" | "closed"
//   onOpen(reconnected)     the stream is subscribed (after a drop: `true`)
//   onProblem(error|null)   why it is not live (null once it is again)
export class EventStream {
  constructor(url, callbacks) {
    this.url = url;
    this.callbacks = callbacks;
    this.parser = new SseParser();
    this.stopped = false;
    this.opened = false;
    this.state = "closed";
  }

  start() {
    this.run();
    return this;
  }

  stop() {
    this.stopped = true;
    this.controller?.abort();
    clearTimeout(this.timer);
    this.setState("closed");
  }

  setState(state) {
    if (this.state === state) return;
    this.state = state;
    this.callbacks.onState(state);
  }

  async run() {
    let failures = 0;
    while (!this.stopped) {
      this.setState(this.opened ? "reconnecting" : "connecting");
      try {
        await this.connectOnce();
        failures = 0;
      } catch (error) {
        if (this.stopped) return;
        if (error instanceof ApiError && error.status === 401) {
          this.stop();
          sessionWasRefused(error);
          return;
        }
        this.callbacks.onProblem(error);
        if (isFinal(error)) {
          this.stop();
          return;
        }
        failures += 1;
      }
      if (this.stopped) return;
      await this.pause(this.delay(failures));
    }
  }

  delay(failures) {
    const base = this.parser.retry ?? 1000;
    return Math.min(MAX_BACKOFF, base * 2 ** Math.max(0, failures - 1));
  }

  pause(milliseconds) {
    return new Promise((resolve) => {
      this.timer = setTimeout(resolve, milliseconds);
    });
  }

  // One connection, until the server ends it (resolves) or it fails (throws).
  async connectOnce() {
    this.controller = new AbortController();
    const headers = { Accept: "text/event-stream", Authorization: `Bearer ${bearer()}` };
    if (this.parser.lastEventId) headers["Last-Event-ID"] = this.parser.lastEventId;
    this.parser.restart();
    const response = await this.guard(() =>
      fetch(this.url, { headers, cache: "no-store", signal: this.controller.signal }));
    if (!response) return;
    if (!response.ok) {
      const payload = await response.json().catch(() => null);
      throw toError(response, payload);
    }
    // The server subscribes before it answers: from here no event is missed.
    const reconnected = this.opened;
    this.opened = true;
    this.setState("live");
    this.callbacks.onProblem(null);
    this.callbacks.onOpen(reconnected);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const chunk = await this.guard(() => reader.read());
      if (!chunk || chunk.done) return;
      for (const event of this.parser.feed(chunk.value)) this.deliver(event);
    }
  }

  // `step()`, with a dropped connection turned into an ApiError and a
  // stop() into null.
  async guard(step) {
    try {
      return await step();
    } catch (error) {
      if (this.stopped) return null;
      if (error instanceof ApiError) throw error;
      throw new ApiError(0, "stream_dropped", "The live connection dropped; reconnecting.");
    }
  }

  deliver(event) {
    // Only the message events carry anything for the page; other events
    // (an unnamed empty one beside a comment, some future kind) are skipped.
    if (!MESSAGE_EVENTS.has(event.type)) return;
    let payload;
    try {
      payload = JSON.parse(event.data);
    } catch {
      this.callbacks.onProblem(new ApiError(0, "bad_event", "The server sent an event this page cannot read."));
      return;
    }
    this.callbacks.onEvent(event.type, payload);
  }
}
