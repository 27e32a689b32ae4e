// The buttons on messages: Stop while a reply is being written, Ask again on
// the room's last reply, Edit on the room's last prompt (both make a new
// version of the reply; the one replaced leaves the log, as it leaves the
// server's history).

import { ApiError, api, rateLimitOf } from "./api.js";
import { quotaOfRefusal } from "./chat.js";
import { guarded } from "./ui.js";

export class ReplyActions {
  constructor(chat) {
    this.chat = chat;
    chat.list.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-action]");
      if (button) this.run(button.dataset.action, button.dataset.id, button);
    });
    chat.list.addEventListener("input", (event) => {
      const form = event.target.closest("form.edit-form");
      if (form) chat.log.keepDraft(form.dataset.id, event.target.value);
    });
    chat.list.addEventListener("submit", (event) => {
      const form = event.target.closest("form.edit-form");
      if (!form) return;
      event.preventDefault();
      this.saveEdit(form);
    });
  }

  // Replaces the last prompt's text and asks for a new reply.
  async saveEdit(form) {
    const chat = this.chat;
    const room = chat.room;
    const id = form.dataset.id;
    const content = form.elements.content.value;
    // Read before the call: the new reply's live event may come first.
    const replaced = chat.log.latestId;
    await guarded(form, form.querySelector("button[type=submit]"), async () => {
      const { data, headers } = await this.counted(() => api.editPrompt(room.id, id, content));
      if (room !== chat.room) return;
      chat.log.remove(replaced);
      chat.log.edit(id, false);
      chat.log.upsert(data.message);
      chat.log.upsert(data.reply);
      chat.onQuota(rateLimitOf(headers));
      chat.schedulePoll();
    });
  }

  // A call that counts against the quota: a refusal updates the quota line.
  async counted(request) {
    try {
      return await request();
    } catch (error) {
      if (error instanceof ApiError && error.code === "quota_exceeded") {
        this.chat.onQuota(quotaOfRefusal(error));
      }
      throw error;
    }
  }

  async run(action, id, button) {
    const chat = this.chat;
    const room = chat.room;
    if (!room) return;
    if (action === "edit" || action === "edit-cancel") {
      const box = chat.log.edit(id, action === "edit");
      if (box) box.focus();
      return;
    }
    await guarded(chat.panel, button, async () => {
      if (action === "stop") {
        const { data } = await api.cancel(room.id, id);
        if (room === chat.room) chat.log.upsert(data.message);
        return;
      }
      const { data, headers } = await this.counted(() => api.regenerate(room.id, id));
      chat.onQuota(rateLimitOf(headers));
      if (room !== chat.room) return;
      chat.log.remove(id);
      chat.log.upsert(data.message);
      chat.log.upsert(data.reply);
      chat.schedulePoll();
    });
  }
}
