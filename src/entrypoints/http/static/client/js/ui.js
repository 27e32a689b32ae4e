// Small DOM helpers shared by the views: elements, errors, busy buttons, times.

import { ApiError } from "./api.js";

export const byId = (id) => document.getElementById(id);

export function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "class") node.className = value;
    else if (value !== null && value !== undefined && value !== false) node.setAttribute(name, value);
  }
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

// What a person is told about a failure: the server's own message (with the
// fields it names), never a stack trace.
export function messageOf(error) {
  if (error instanceof ApiError) {
    const fields = error.details?.fields;
    if (!Array.isArray(fields) || fields.length === 0) return error.message;
    const named = fields
      .map((item) => `${item.field}: ${item.message}`)
      .filter((text) => !error.message.includes(text));
    return named.length ? `${error.message} (${named.join("; ")})` : error.message;
  }
  return "Something went wrong in this page. Reload it and try again.";
}

// The `.error` paragraph that is a direct child of `container`.
function errorSlot(container) {
  return container.querySelector(":scope > .error");
}

export function showError(container, error) {
  const slot = errorSlot(container);
  slot.textContent = messageOf(error);
  slot.hidden = false;
  if (!(error instanceof ApiError)) console.error(error);
}

export function clearError(container) {
  const slot = errorSlot(container);
  slot.textContent = "";
  slot.hidden = true;
}

// The page-wide notice (session ended, a stream that cannot be opened, ...).
export function notify(text) {
  const notice = byId("notice");
  notice.textContent = text;
  notice.hidden = !text;
}

// Runs `work` with `button` disabled; a failure lands in `container`'s error
// slot. Answers whether `work` succeeded.
export async function guarded(container, button, work) {
  clearError(container);
  if (button) {
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
  }
  try {
    await work();
    return true;
  } catch (error) {
    showError(container, error);
    return false;
  } finally {
    if (button) {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    }
  }
}

export function formatTime(date) {
  return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

export function formatDateTime(date) {
  return date.toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
}

export function formatDuration(milliseconds) {
  const minutes = Math.max(1, Math.ceil(milliseconds / 60000));
  const hours = Math.floor(minutes / 60);
  if (hours === 0) return `${minutes} min`;
  return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
}

// "12:05" today, "3 Mar" on another day: for a room's last activity.
export function formatWhen(iso) {
  if (!iso) return "no messages yet";
  const date = new Date(iso);
  const today = new Date().toDateString() === date.toDateString();
  return today ? formatTime(date) : date.toLocaleDateString([], { day: "numeric", month: "short" });
}
