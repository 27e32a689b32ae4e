// The HTTP API: JSON in and out, the {success, data} envelope unwrapped and
// every failure turned into an ApiError carrying the envelope's message.

const TOKEN_KEY = "gemini-clone.token";

export class ApiError extends Error {
  constructor(status, code, message, details = null, headers = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = details;
    this.headers = headers;
  }
}

// The token lives for the tab (sessionStorage): a reload keeps the session,
// closing the tab ends it.
let token = sessionStorage.getItem(TOKEN_KEY);
const sessionEnded = [];

export function hasSession() {
  return token !== null;
}

export function bearer() {
  return token;
}

export function startSession(accessToken) {
  token = accessToken;
  sessionStorage.setItem(TOKEN_KEY, accessToken);
}

export function endSession() {
  token = null;
  sessionStorage.removeItem(TOKEN_KEY);
}

// Called with the ApiError when the server refuses the token (expired,
// revoked): the page goes back to the login screen.
export function onSessionEnded(listener) {
  sessionEnded.push(listener);
}

export function sessionWasRefused(error) {
  endSession();
  for (const listener of sessionEnded) listener(error);
}

const UNREACHABLE = "The server cannot be reached. Check the connection and try again.";

export async function call(method, path, body = undefined) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const sentToken = token;
  if (sentToken) headers.Authorization = `Bearer ${sentToken}`;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, "network_error", UNREACHABLE);
  }
  const payload = await readJson(response);
  if (response.ok && (payload === null || payload.success !== false)) {
    return { data: payload?.data ?? null, meta: payload?.meta ?? null, headers: response.headers };
  }
  throw refused(response, payload, sentToken);
}

// The error of a refused request; a refused token also ends the session.
function refused(response, payload, sentToken) {
  const error = toError(response, payload);
  if (response.status === 401 && sentToken && sentToken === token) sessionWasRefused(error);
  return error;
}

// A file the server sends as an attachment (an export), fetched with the
// bearer token: { blob, filename }. Failures as call's.
export async function download(path) {
  const sentToken = token;
  let response;
  try {
    response = await fetch(path, { headers: sentToken ? { Authorization: `Bearer ${sentToken}` } : {} });
  } catch {
    throw new ApiError(0, "network_error", UNREACHABLE);
  }
  if (!response.ok) throw refused(response, await readJson(response), sentToken);
  const disposition = response.headers.get("Content-Disposition") ?? "";
  const filename = /filename="([^"]+)"/.exec(disposition)?.[1] ?? "chat.md";
  return { blob: await response.blob(), filename };
}

async function readJson(response) {
  if (response.status === 204) return null;
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    if (!response.ok) return null;
    throw new ApiError(response.status, "bad_response", "The server sent an answer this page cannot read.");
  }
}

export function toError(response, payload) {
  const error = payload?.error;
  if (error && typeof error.message === "string") {
    return new ApiError(response.status, error.code, error.message, error.details ?? null, response.headers);
  }
  const what = response.statusText ? ` (${response.statusText})` : "";
  return new ApiError(response.status, "http_error", `The server answered ${response.status}${what}.`, null, response.headers);
}

// The RateLimit-* headers of a prompt's answer, or null (no limit: Pro).
export function rateLimitOf(headers) {
  if (!headers) return null;
  const limit = headers.get("RateLimit-Limit");
  const remaining = headers.get("RateLimit-Remaining");
  const reset = headers.get("RateLimit-Reset");
  if (limit === null || remaining === null || reset === null) return null;
  return {
    limit: Number(limit),
    remaining: Number(remaining),
    resetsAt: new Date(Date.now() + Number(reset) * 1000),
  };
}

// --- The routes this page uses -------------------------------------------

const room = (id) => `/chatroom/${encodeURIComponent(id)}`;

export const api = {
  sendOtp: (mobile) => call("POST", "/auth/send-otp", { mobile_number: mobile }),
  verifyOtp: (mobile, otp) => call("POST", "/auth/verify-otp", { mobile_number: mobile, otp }),
  login: (mobile, password) => call("POST", "/auth/login", { mobile_number: mobile, password }),
  signup: (fields) => call("POST", "/auth/signup", fields),
  logout: () => call("POST", "/auth/logout"),
  me: () => call("GET", "/user/me"),
  rooms: (cursor, limit = 20) => {
    const query = new URLSearchParams({ limit: String(limit) });
    if (cursor) query.set("cursor", cursor);
    return call("GET", `/chatroom?${query}`);
  },
  // A blank name makes an unnamed room, which the model titles after its first reply.
  createRoom: (name) => call("POST", "/chatroom", name.trim() ? { name } : {}),
  renameRoom: (id, name) => call("PATCH", room(id), { name }),
  deleteRoom: (id) => call("DELETE", room(id)),
  messages: (id, before, limit = 30) => {
    const query = new URLSearchParams({ limit: String(limit) });
    if (before) query.set("before", before);
    return call("GET", `${room(id)}/messages?${query}`);
  },
  send: (id, content) => call("POST", `${room(id)}/message`, { content }),
  cancel: (id, replyId) => call("POST", `${room(id)}/message/${encodeURIComponent(replyId)}/cancel`),
  editPrompt: (id, promptId, content) =>
    call("PATCH", `${room(id)}/message/${encodeURIComponent(promptId)}`, { content }),
  regenerate: (id, replyId) =>
    call("POST", `${room(id)}/message/${encodeURIComponent(replyId)}/regenerate`),
  eventsUrl: (id) => `${room(id)}/events`,
  exportPath: (id, format = "markdown") => `${room(id)}/export?format=${format}`,
  search: (q, limit = 20) => call("GET", `/search?${new URLSearchParams({ q, limit: String(limit) })}`),
  subscription: () => call("GET", "/subscription/status"),
  checkout: () => call("POST", "/subscribe/pro"),
  portal: () => call("POST", "/subscribe/portal"),
};
