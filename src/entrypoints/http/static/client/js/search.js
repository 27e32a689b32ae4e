// Searching the user's own chats (GET /search): the newest 20 hits, each
// with the server's snippet and its matches marked; a hit opens its chat.

import { api } from "./api.js";
import { byId, element, guarded } from "./ui.js";

// The server's snippet is HTML-escaped text with <mark> around the matches.
// It is read as an inert document and only its text and marks are kept, so
// nothing in a message can become markup here.
function snippetNodes(snippet) {
  const parsed = new DOMParser().parseFromString(`<p>${snippet}</p>`, "text/html");
  const paragraph = parsed.body.firstElementChild;
  return [...(paragraph?.childNodes ?? [])].map((node) =>
    node.nodeName === "MARK" ? element("mark", {}, node.textContent) : document.createTextNode(node.textContent),
  );
}

const WHERE = { user: "You", model: "Model" };

export class Search {
  constructor({ onOpen }) {
    this.onOpen = onOpen;
    this.form = byId("search-form");
    this.results = byId("search-results");
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.run();
    });
    byId("search-q").addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.reset();
    });
  }

  reset() {
    byId("search-q").value = "";
    this.show(null);
  }

  async run() {
    const q = byId("search-q").value.trim();
    if (!q) {
      this.show(null);
      return;
    }
    await guarded(this.form, this.form.querySelector("button"), async () => {
      const { data } = await api.search(q);
      this.show(data);
    });
  }

  // null: no search (the list and its "nothing found" both hidden).
  show(hits) {
    this.results.replaceChildren(...(hits ?? []).map((hit) => this.item(hit)));
    this.results.hidden = !hits?.length;
    byId("search-empty").hidden = hits === null || hits.length > 0;
  }

  item(hit) {
    const where = hit.kind === "chatroom" ? "Chat name" : (WHERE[hit.role] ?? hit.role);
    const button = element(
      "button",
      { type: "button", class: "quiet hit" },
      element("span", { class: "hit-room" }, hit.chatroom_name),
      element("span", { class: "hit-where" }, where),
      element("span", { class: "hit-snippet" }, ...snippetNodes(hit.snippet)),
    );
    button.addEventListener("click", () => this.onOpen({ id: hit.chatroom_id, name: hit.chatroom_name }));
    return element("li", {}, button);
  }
}
