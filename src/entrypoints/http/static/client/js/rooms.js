// The room list: newest activity first, paged with the server's cursor, and
// the form that creates a room.

import { api } from "./api.js";
import { byId, element, formatWhen, guarded } from "./ui.js";

export class RoomList {
  constructor({ onOpen }) {
    this.onOpen = onOpen;
    this.nav = byId("rooms");
    this.list = byId("room-list");
    this.reset();
    const form = byId("new-room-form");
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.create(form);
    });
    byId("more-rooms").addEventListener("click", () => this.more());
  }

  reset() {
    this.rooms = [];
    this.cursor = null;
    this.selected = null;
    this.list.replaceChildren();
    byId("more-rooms").hidden = true;
    byId("rooms-empty").hidden = true;
  }

  // The first page again (after logging in).
  async load() {
    return guarded(this.nav, null, async () => {
      const { data, meta } = await api.rooms();
      this.rooms = data;
      this.cursor = meta?.next_cursor ?? null;
      this.render();
    });
  }

  async more() {
    await guarded(this.nav, byId("more-rooms"), async () => {
      const { data, meta } = await api.rooms(this.cursor);
      const known = new Set(this.rooms.map((room) => room.id));
      this.rooms.push(...data.filter((room) => !known.has(room.id)));
      this.cursor = meta?.next_cursor ?? null;
      this.render();
    });
    // The button may have gone with the last page: keep the focus in the list.
    if (byId("more-rooms").hidden) this.list.querySelector("li:last-child button")?.focus();
  }

  async create(form) {
    const input = byId("new-room-name");
    let created = null;
    const done = await guarded(form, form.querySelector("button"), async () => {
      const { data } = await api.createRoom(input.value);
      created = data.chatroom;
    });
    if (!done) return;
    input.value = "";
    this.rooms.unshift(created);
    this.open(created);
  }

  open(room) {
    this.selected = room.id;
    this.render();
    this.onOpen(room);
  }

  get(id) {
    return this.rooms.find((room) => room.id === id) ?? null;
  }

  replace(room) {
    this.rooms = this.rooms.map((known) => (known.id === room.id ? room : known));
    this.render();
  }

  remove(id) {
    this.rooms = this.rooms.filter((room) => room.id !== id);
    if (this.selected === id) this.selected = null;
    this.render();
  }

  // A prompt was sent in room `id`: it is now the newest activity.
  touch(id) {
    const room = this.get(id);
    if (!room) return;
    const moved = { ...room, last_message_at: new Date().toISOString() };
    this.rooms = [moved, ...this.rooms.filter((known) => known.id !== id)];
    this.render();
  }

  focusSelected() {
    const button = this.list.querySelector('button[aria-current="true"]') ?? byId("new-room-name");
    button.focus();
  }

  render() {
    const focused = this.list.contains(document.activeElement)
      ? document.activeElement.closest("li")?.dataset.id
      : null;
    this.list.replaceChildren(...this.rooms.map((room) => this.item(room)));
    byId("rooms-empty").hidden = this.rooms.length > 0;
    byId("more-rooms").hidden = !this.cursor;
    if (focused) this.list.querySelector(`li[data-id="${focused}"] button`)?.focus();
  }

  item(room) {
    const current = room.id === this.selected;
    const button = element(
      "button",
      { type: "button", class: "room", "aria-current": current ? "true" : null },
      element("span", { class: "room-name" }, room.name),
      element("span", { class: "room-when" }, formatWhen(room.last_message_at)),
    );
    button.addEventListener("click", () => this.open(room));
    return element("li", { "data-id": room.id }, button);
  }
}
