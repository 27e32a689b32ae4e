// The buttons on replies: Stop while one is being written, Ask again on the
// room's last reply (a new version; the one it replaces leaves the log, as it
// leaves the server's history).

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
  }

  async run(action, id, button) {
    const chat = this.chat;
    const room = chat.room;
    if (!room) return;
    await guarded(chat.panel, button, async () => {
      if (action === "stop") {
        const { data } = await api.cancel(room.id, id);
        if (room === chat.room) chat.log.upsert(data.message);
        return;
      }
      try {
        const { data, headers } = await api.regenerate(room.id, id);
        chat.onQuota(rateLimitOf(headers));
        if (room !== chat.room) return;
        chat.log.remove(id);
        chat.log.upsert(data.message);
        chat.log.upsert(data.reply);
        chat.schedulePoll();
      } catch (error) {
        if (error instanceof ApiError && error.code === "quota_exceeded") {
          chat.onQuota(quotaOfRefusal(error));
        }
        throw error;
      }
    });
  }
}
