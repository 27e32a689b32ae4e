// The open room: its history (paged upwards), the prompt box, and the live
// stream that fills in the replies as the model writes them.

import { ApiError, api, rateLimitOf } from "./api.js";
import { MessageLog } from "./messages.js";
import { EventStream } from "./stream.js";
import { byId, clearError, guarded, messageOf, showError } from "./ui.js";

// Without a live stream (it cannot be opened, or is reconnecting), pending
// replies are fetched again this often.
const POLL_MS = 3000;
const STREAM_TEXT = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  closed: "Not live",
};

export function quotaOfRefusal(error) {
  const details = error.details ?? {};
  const fromHeaders = rateLimitOf(error.headers);
  const resetsAt = details.resets_at ? new Date(details.resets_at) : fromHeaders?.resetsAt;
  return { limit: details.limit ?? fromHeaders?.limit ?? null, remaining: 0, resetsAt };
}

export class ChatView {
  constructor({ onQuota, onActivity, onReplyFailed, onRenamed }) {
    this.onQuota = onQuota;
    this.onActivity = onActivity;
    this.onRenamed = onRenamed;
    this.onReplyFailed = onReplyFailed;
    this.section = byId("chat");
    this.panel = byId("chat-room");
    this.list = byId("messages");
    this.log = new MessageLog(this.list);
    this.room = null;
    this.stream = null;
    this.sending = false;
    const form = byId("prompt-form");
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.send();
    });
    byId("prompt").addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    byId("older").addEventListener("click", () => this.loadOlder());
  }

  open(room) {
    this.close();
    this.room = room;
    this.older = null;
    this.loaded = false;
    byId("chat-empty").hidden = true;
    this.panel.hidden = false;
    byId("rename-form").hidden = true;
    byId("delete-confirm").hidden = true;
    byId("older").hidden = true;
    clearError(byId("prompt-form"));
    clearError(this.panel);
    this.showTitle(room.name);
    const stream = new EventStream(api.eventsUrl(room.id), {
      onEvent: (type, payload) => stream === this.stream && this.onEvent(type, payload),
      onState: (state) => stream === this.stream && this.showStream(state),
      onOpen: (reconnected) => stream === this.stream && reconnected && this.loadLatest(),
      onProblem: (error) => stream === this.stream && this.showProblem(error),
    });
    this.stream = stream;
    stream.start();
    this.loadLatest();
    byId("prompt").focus();
  }

  close() {
    const stream = this.stream;
    this.stream = null;
    stream?.stop();
    clearTimeout(this.pollTimer);
    this.room = null;
    this.log.clear();
    this.showStream("closed");
    this.showProblem(null);
    this.panel.hidden = true;
    byId("chat-empty").hidden = false;
  }

  showTitle(name) {
    byId("chat-title").textContent = name;
    if (this.room) this.room = { ...this.room, name };
  }

  // The newest page: on opening, after a reconnect, and while polling.
  async loadLatest() {
    const room = this.room;
    try {
      const { data, meta } = await api.messages(room.id);
      if (room !== this.room) return;
      const follow = !this.loaded || this.nearBottom();
      for (const message of data) this.log.upsert(message);
      if (!this.loaded) this.setOlder(meta?.next_cursor ?? null);
      this.loaded = true;
      if (follow) this.scrollToEnd();
    } catch (error) {
      if (room === this.room) showError(this.panel, error);
    }
    this.schedulePoll();
  }

  async loadOlder() {
    const room = this.room;
    const before = this.list.scrollHeight;
    await guarded(this.panel, byId("older"), async () => {
      const { data, meta } = await api.messages(room.id, this.older);
      if (room !== this.room) return;
      for (const message of data) this.log.upsert(message);
      this.setOlder(meta?.next_cursor ?? null);
      // Keep the message that was on top where it was.
      this.list.scrollTop += this.list.scrollHeight - before;
    });
    if (byId("older").hidden) this.list.focus();
  }

  setOlder(cursor) {
    this.older = cursor;
    byId("older").hidden = !cursor;
  }

  async send() {
    const form = byId("prompt-form");
    const box = byId("prompt");
    if (this.sending || !this.room) return;
    if (!box.value.trim()) {
      showError(form, new ApiError(0, "empty_prompt", "Type a message first."));
      return;
    }
    const room = this.room;
    this.sending = true;
    await guarded(form, byId("send"), async () => {
      try {
        const { data, headers } = await api.send(room.id, box.value);
        box.value = "";
        this.onQuota(rateLimitOf(headers));
        this.onActivity(room.id);
        if (room !== this.room) return;
        this.log.upsert(data.message);
        this.log.upsert(data.reply);
        this.scrollToEnd();
        this.schedulePoll();
      } catch (error) {
        if (error instanceof ApiError && error.code === "quota_exceeded") {
          this.onQuota(quotaOfRefusal(error));
        }
        throw error;
      }
    });
    this.sending = false;
    box.focus();
  }

  onEvent(type, payload) {
    const follow = this.nearBottom();
    if (type === "message.delta") {
      this.log.appendDelta(payload.id, payload.text ?? "");
    } else if (type.startsWith("message.") && payload.chatroom_id === this.room.id) {
      this.log.upsert(payload);
      // A failed reply gives its prompt back to today's allowance.
      if (type === "message.failed") this.onReplyFailed();
    } else if (type === "room.renamed" && payload.id === this.room.id) {
      // The model titled a room made without a name.
      this.showTitle(payload.name);
      this.onRenamed(payload);
    }
    if (follow) this.scrollToEnd();
  }

  showStream(state) {
    this.section.dataset.stream = state;
    byId("stream-state").textContent = this.room ? STREAM_TEXT[state] : "";
    this.schedulePoll();
  }

  showProblem(error) {
    const slot = byId("stream-problem");
    slot.textContent = error ? `Live updates: ${messageOf(error)}` : "";
    slot.hidden = !error;
  }

  schedulePoll() {
    clearTimeout(this.pollTimer);
    if (!this.room || this.stream?.state === "live" || this.log.pending() === 0) return;
    this.pollTimer = setTimeout(() => this.loadLatest(), POLL_MS);
  }

  nearBottom() {
    return this.list.scrollHeight - this.list.scrollTop - this.list.clientHeight < 80;
  }

  scrollToEnd() {
    this.list.scrollTop = this.list.scrollHeight;
  }
}
