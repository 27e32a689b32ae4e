// Renaming, exporting and deleting the open room, from the buttons in its
// header.

import { api, download } from "./api.js";
import { byId, clearError, element, guarded } from "./ui.js";

// Said to screen readers (the polite status region), not shown.
export function announce(text) {
  byId("status").textContent = text;
}

export class RoomActions {
  constructor({ chat, rooms, onDeleted }) {
    this.chat = chat;
    this.rooms = rooms;
    this.onDeleted = onDeleted;
    this.renameForm = byId("rename-form");
    this.confirm = byId("delete-confirm");
    byId("rename-room").addEventListener("click", () => this.startRename());
    byId("rename-cancel").addEventListener("click", () => this.closeRename());
    this.renameForm.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.closeRename();
    });
    this.renameForm.addEventListener("submit", (event) => {
      event.preventDefault();
      this.rename();
    });
    byId("delete-room").addEventListener("click", () => this.askToDelete());
    byId("delete-no").addEventListener("click", () => this.keep());
    this.confirm.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.keep();
    });
    byId("delete-yes").addEventListener("click", () => this.remove());
    byId("export-room").addEventListener("click", () => this.exportRoom());
  }

  // The whole conversation as a Markdown file, saved by the browser.
  async exportRoom() {
    const room = this.chat.room;
    await guarded(this.chat.panel, byId("export-room"), async () => {
      const { blob, filename } = await download(api.exportPath(room.id));
      const url = URL.createObjectURL(blob);
      const link = element("a", { href: url, download: filename, hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60000);
      announce(`Saved ${filename}.`);
    });
  }

  startRename() {
    this.confirm.hidden = true;
    clearError(this.renameForm);
    const input = byId("rename-name");
    input.value = this.chat.room.name;
    this.renameForm.hidden = false;
    input.select();
    input.focus();
  }

  closeRename() {
    this.renameForm.hidden = true;
    byId("rename-room").focus();
  }

  async rename() {
    const id = this.chat.room.id;
    let renamed = null;
    const submit = this.renameForm.querySelector('button[type="submit"]');
    const done = await guarded(this.renameForm, submit, async () => {
      renamed = (await api.renameRoom(id, byId("rename-name").value)).data.chatroom;
    });
    if (!done) return;
    this.rooms.replace(renamed);
    if (this.chat.room?.id === id) this.chat.showTitle(renamed.name);
    announce(`Chat renamed to ${renamed.name}.`);
    this.closeRename();
  }

  // Deleting asks first; the focus goes to the choice that keeps the room.
  askToDelete() {
    this.renameForm.hidden = true;
    clearError(this.confirm);
    this.confirm.hidden = false;
    byId("delete-no").focus();
  }

  keep() {
    this.confirm.hidden = true;
    byId("delete-room").focus();
  }

  async remove() {
    const room = this.chat.room;
    const done = await guarded(this.confirm, byId("delete-yes"), () => api.deleteRoom(room.id));
    if (!done) return;
    this.confirm.hidden = true;
    this.chat.close();
    this.rooms.remove(room.id);
    announce(`Chat ${room.name} deleted.`);
    this.onDeleted();
  }
}
