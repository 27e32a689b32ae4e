// Renaming and deleting the open room, from the buttons in its header.

import { api } from "./api.js";
import { byId, clearError, guarded } from "./ui.js";

export function announce(text) {
  byId("status").textContent = text;
}

export function setupRoomActions({ chat, rooms, onDeleted }) {
  const renameForm = byId("rename-form");
  const renameInput = byId("rename-name");
  const confirm = byId("delete-confirm");

  function closeRename() {
    renameForm.hidden = true;
    byId("rename-room").focus();
  }

  byId("rename-room").addEventListener("click", () => {
    confirm.hidden = true;
    clearError(renameForm);
    renameInput.value = chat.room.name;
    renameForm.hidden = false;
    renameInput.select();
    renameInput.focus();
  });
  byId("rename-cancel").addEventListener("click", closeRename);
  renameForm.addEventListener("keydown", (event) => {
    if (event.key === "Escape") closeRename();
  });
  renameForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const id = chat.room.id;
    let renamed = null;
    const done = await guarded(renameForm, renameForm.querySelector('button[type="submit"]'), async () => {
      renamed = (await api.renameRoom(id, renameInput.value)).data.chatroom;
    });
    if (!done) return;
    rooms.replace(renamed);
    if (chat.room?.id === id) chat.showTitle(renamed.name);
    announce(`Chat renamed to ${renamed.name}.`);
    closeRename();
  });

  byId("delete-room").addEventListener("click", () => {
    renameForm.hidden = true;
    clearError(confirm);
    confirm.hidden = false;
    byId("delete-no").focus();
  });
  byId("delete-no").addEventListener("click", () => {
    confirm.hidden = true;
    byId("delete-room").focus();
  });
  confirm.addEventListener("keydown", (event) => {
    if (event.key === "Escape") byId("delete-no").click();
  });
  byId("delete-yes").addEventListener("click", async () => {
    const room = chat.room;
    const done = await guarded(confirm, byId("delete-yes"), () => api.deleteRoom(room.id));
    if (!done) return;
    confirm.hidden = true;
    chat.close();
    rooms.remove(room.id);
    announce(`Chat ${room.name} deleted.`);
    onDeleted();
  });
}
