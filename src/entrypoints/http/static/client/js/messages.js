// The message log of the open room: one <li> per message, kept in order and
// merged by id from every source (history pages, the prompt's answer, live
// events), so the same message arriving twice or out of order is shown once,
// in its latest state.

import { element, formatTime } from "./ui.js";

const TERMINAL = new Set(["completed", "failed", "cancelled"]);
const AUTHOR = { user: "You", model: "Model" };

// The form that replaces a prompt's text while it is edited.
function editor(message, draft) {
  const label = `edit-${message.id}`;
  return element(
    "form",
    { class: "edit-form", "data-id": message.id, novalidate: true },
    element("label", { for: label, class: "visually-hidden" }, "Edited prompt"),
    element("textarea", { id: label, name: "content", rows: "3", maxlength: "8000" }, draft ?? message.content),
    element("button", { type: "submit" }, "Save and ask"),
    element("button", { type: "button", class: "quiet", "data-action": "edit-cancel", "data-id": message.id }, "Cancel"),
    element("p", { class: "error", role: "alert", hidden: true }),
  );
}

function orderKey(message) {
  // UUIDv7 ids sort by time; a prompt and its reply share created_at, and
  // the prompt comes first. A message known only from its deltas goes last.
  const role = message.role === "user" ? "0" : "1";
  const time = message.created_at ? String(Date.parse(message.created_at)).padStart(15, "0") : "~";
  return `${time}|${role}|${message.id}`;
}

export class MessageLog {
  constructor(list) {
    this.list = list;
    this.entries = new Map();
    this.latestId = null;
    this.latestPromptId = null;
  }

  clear() {
    this.entries.clear();
    this.latestId = null;
    this.latestPromptId = null;
    this.list.replaceChildren();
  }

  // A reply replaced by a new version: the server's history leaves it out.
  remove(id) {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.delete(id);
    entry.item.remove();
    this.markLatest();
  }

  // Only the room's last reply can be asked again and only its prompt
  // edited: when either changes, the old one loses its button. The last
  // prompt is redrawn every time, as its Edit follows its reply's state.
  markLatest() {
    const last = (role) => [...this.list.querySelectorAll(`li.${role}`)].pop()?.dataset.id ?? null;
    const reply = last("model");
    const prompt = last("user");
    const redraw = new Set([prompt]);
    if (reply !== this.latestId) redraw.add(this.latestId).add(reply);
    if (prompt !== this.latestPromptId) redraw.add(this.latestPromptId);
    this.latestId = reply;
    this.latestPromptId = prompt;
    for (const id of redraw) {
      const entry = this.entries.get(id);
      // An open editor is left alone: redrawing it would drop the focus.
      if (entry && !entry.editing) this.render(entry);
    }
  }

  // The last prompt can be edited once its reply is final.
  editable(message) {
    const reply = this.entries.get(this.latestId)?.message;
    return message.id === this.latestPromptId && (!reply || TERMINAL.has(reply.status));
  }

  // What is typed in a prompt's editor, kept across redraws.
  keepDraft(id, text) {
    const entry = this.entries.get(id);
    if (entry) entry.draft = text;
  }

  // Shows (or hides) the editor in place of a prompt's text.
  edit(id, editing) {
    const entry = this.entries.get(id);
    if (!entry) return null;
    entry.editing = editing;
    entry.draft = null;
    this.render(entry);
    return entry.item.querySelector("textarea");
  }

  pending() {
    return [...this.entries.values()].filter((entry) => entry.message.status === "pending").length;
  }

  // Adds or updates `message`; a stale copy (pending after it ended, or
  // without the text streamed so far) never overwrites a newer one.
  upsert(message) {
    const entry = this.entries.get(message.id);
    if (!entry) {
      this.insert({ message: { ...message }, deltas: 0 });
      return;
    }
    const current = entry.message;
    if (TERMINAL.has(current.status) && !TERMINAL.has(message.status)) return;
    const merged = { ...current, ...message };
    if (message.status === "pending" && !message.content) merged.content = current.content;
    if (!message.created_at) merged.created_at = current.created_at;
    entry.message = merged;
    this.render(entry);
    this.markLatest();
  }

  // A `message.delta`: the next piece of a pending reply's text.
  appendDelta(id, text) {
    let entry = this.entries.get(id);
    if (!entry) {
      entry = { message: { id, role: "model", status: "pending", content: "" }, deltas: 0 };
      this.insert(entry);
    }
    if (entry.message.status !== "pending") return;
    entry.message.content += text;
    entry.deltas += 1;
    this.render(entry);
  }

  insert(entry) {
    entry.item = element("li", {});
    this.entries.set(entry.message.id, entry);
    const key = orderKey(entry.message);
    const after = [...this.list.children].find((item) => item.dataset.order > key);
    this.list.insertBefore(entry.item, after ?? null);
    this.render(entry);
    this.markLatest();
  }

  render(entry) {
    const { message, item } = entry;
    const failed = message.status === "failed";
    item.className = `message ${message.role} ${message.status}`;
    item.dataset.id = message.id;
    item.dataset.order = orderKey(message);
    item.dataset.status = message.status;
    item.dataset.deltas = String(entry.deltas);
    item.setAttribute("aria-busy", message.status === "pending" ? "true" : "false");
    const time = message.created_at ? formatTime(new Date(message.created_at)) : "";
    const header = element("p", { class: "meta" },
      element("span", { class: "author" }, AUTHOR[message.role] ?? message.role),
      time ? element("time", { datetime: message.created_at }, time) : null);
    const body = entry.editing ? editor(message, entry.draft) : element("div", { class: "text" }, message.content);
    let state = null;
    if (message.status === "pending") {
      state = element("p", { class: "state" }, message.content ? "Writing…" : "Thinking…");
    } else if (failed) {
      state = element("p", { class: "state" }, `The reply failed: ${message.error || "no reason given"}`);
    } else if (message.status === "cancelled") {
      state = element("p", { class: "state" }, "Stopped.");
    }
    const action = entry.editing ? null : this.action(message);
    item.replaceChildren(...[header, body, state, action].filter(Boolean));
  }

  // Stop a reply being written; ask the room's last reply again once final
  // (reply_actions.js does what the buttons say).
  action(message) {
    let action = null;
    if (message.role === "user") action = this.editable(message) ? ["edit", "Edit"] : null;
    else if (message.status === "pending") action = ["stop", "Stop"];
    else if (message.id === this.latestId) action = ["regenerate", "Ask again"];
    if (!action) return null;
    const [name, label] = action;
    return element("button", { type: "button", class: "quiet reply-action", "data-action": name, "data-id": message.id }, label);
  }
}
