// The page: logged out, the login screen; logged in, the rooms, the open
// chat and the plan. On a narrow screen one of rooms or chat shows at a time.

import { api, endSession, hasSession, onSessionEnded } from "./api.js";
import { LoginView } from "./auth.js";
import { ChatView } from "./chat.js";
import { Plan } from "./plan.js";
import { ReplyActions } from "./reply_actions.js";
import { RoomActions, announce } from "./room_actions.js";
import { RoomList } from "./rooms.js";
import { Search } from "./search.js";
import { byId, messageOf, notify } from "./ui.js";

function showView(view) {
  document.body.dataset.view = view;
}

const plan = new Plan();
const chat = new ChatView({
  onQuota: (quota) => plan.setQuota(quota),
  onActivity: (roomId) => rooms.touch(roomId),
  onReplyFailed: () => plan.refresh(),
  onRenamed: (room) => rooms.replace(room),
});
const rooms = new RoomList({
  onOpen: (room) => {
    showView("chat");
    chat.open(room);
  },
});
new ReplyActions(chat);
const search = new Search({
  onOpen: (room) => {
    showView("chat");
    chat.open(room);
  },
});
new RoomActions({
  chat,
  rooms,
  onDeleted: () => {
    showView("rooms");
    byId("new-room-name").focus();
  },
});
const login = new LoginView({ onLoggedIn: (user) => enter(user) });

async function enter(user = null) {
  let who = user;
  if (!who) {
    try {
      who = (await api.me()).data.user;
    } catch (error) {
      // A refused token has already sent the page back to the login screen.
      if (hasSession()) login.show(messageOf(error));
      return;
    }
  }
  notify("");
  byId("login-view").hidden = true;
  byId("app-view").hidden = false;
  byId("who").hidden = false;
  byId("who-name").textContent = who.name ? `${who.name} (${who.mobile_number})` : who.mobile_number;
  showView("rooms");
  byId("new-room-name").focus();
  await Promise.all([rooms.load(), plan.refresh()]);
}

function leave(message) {
  chat.close();
  rooms.reset();
  search.reset();
  plan.reset();
  endSession();
  login.show(message);
}

onSessionEnded((error) => leave(`Your session has ended (${messageOf(error)}). Log in again.`));
// Logging out ends the account's sessions on the server (the token would
// otherwise stay good until it expires), then forgets the token here.
byId("logout").addEventListener("click", async () => {
  let said = "You are logged out.";
  try {
    await api.logout();
  } catch (error) {
    if (!hasSession()) return; // a refused token: already back at the login
    said = `You are logged out in this browser, but the server could not end your sessions: ${messageOf(error)}.`;
  }
  leave("");
  announce(said);
  if (said !== "You are logged out.") notify(said);
});
byId("back-to-rooms").addEventListener("click", () => {
  showView("rooms");
  rooms.focusSelected();
});
// A fault in this page itself: say so (the console has the details).
window.addEventListener("unhandledrejection", () => {
  notify("Something went wrong in this page. Reload it and try again.");
});
window.addEventListener("error", () => {
  notify("Something went wrong in this page. Reload it and try again.");
});

// Back from Stripe (/subscribe/success, cancel and return send a browser
// here): say what happens next; the plan is read afresh on entering.
const CHECKOUT_NOTICES = {
  success: "Payment received. Pro starts as soon as Stripe confirms it; your plan below will show it.",
  cancelled: "Checkout cancelled; nothing was charged.",
  portal: "Changes made in the billing portal apply as soon as Stripe confirms them.",
};

function checkoutNotice() {
  const url = new URL(window.location.href);
  const notice = CHECKOUT_NOTICES[url.searchParams.get("checkout")];
  if (url.searchParams.has("checkout")) {
    url.searchParams.delete("checkout");
    window.history.replaceState(null, "", url.pathname + url.search + url.hash);
  }
  return notice;
}

const notice = checkoutNotice();
if (hasSession()) enter().then(() => notice && plan.showNotice(notice));
else {
  login.show();
  if (notice) notify(notice);
}
