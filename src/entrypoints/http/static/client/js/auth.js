// The logged-out screen: a code sent to the number, a password, or a new
// account (whose number is then confirmed with a code).

import { api, startSession } from "./api.js";
import { byId, clearError, guarded, notify } from "./ui.js";

const FORMS = { code: "code-form", password: "password-form", signup: "signup-form" };

export class LoginView {
  constructor({ onLoggedIn }) {
    this.onLoggedIn = onLoggedIn;
    this.pendingNumber = null;
    for (const button of document.querySelectorAll(".switcher button")) {
      button.addEventListener("click", () => this.showMode(button.dataset.mode));
    }
    byId("change-number").addEventListener("click", () => this.showMode("code"));
    this.submitted("code-form", (fields) => this.sendCode(fields));
    this.submitted("verify-form", async (fields) => {
      const { data } = await api.verifyOtp(this.pendingNumber, fields.get("otp").trim());
      this.finish(data);
    });
    this.submitted("password-form", async (fields) => {
      const { data } = await api.login(fields.get("mobile_number").trim(), fields.get("password"));
      this.finish(data);
    });
    this.submitted("signup-form", (fields) => this.signUp(fields));
  }

  // The screen, with `message` (why the session ended, say) in the notice.
  show(message = "") {
    document.body.dataset.view = "login";
    byId("app-view").hidden = true;
    byId("who").hidden = true;
    byId("login-view").hidden = false;
    notify(message);
    this.showMode("code");
  }

  showMode(mode) {
    for (const button of document.querySelectorAll(".switcher button")) {
      button.setAttribute("aria-pressed", String(button.dataset.mode === mode));
    }
    for (const [name, id] of Object.entries(FORMS)) byId(id).hidden = name !== mode;
    byId("verify-form").hidden = true;
    byId(FORMS[mode]).querySelector("input").focus();
  }

  submitted(id, work) {
    const form = byId(id);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      guarded(form, form.querySelector('button[type="submit"]'), () => work(new FormData(form)));
    });
  }

  async sendCode(fields) {
    const number = fields.get("mobile_number").trim();
    const { data } = await api.sendOtp(number);
    this.askForCode(number, data, "We sent a code to");
  }

  async signUp(fields) {
    const body = { mobile_number: fields.get("mobile_number").trim() };
    const name = fields.get("name").trim();
    if (name) body.name = name;
    if (fields.get("password")) body.password = fields.get("password");
    const { data } = await api.signup(body);
    this.askForCode(body.mobile_number, data, "Account created. Confirm the number with the code we sent to");
  }

  askForCode(number, answer, sentence) {
    this.pendingNumber = number;
    for (const id of Object.values(FORMS)) byId(id).hidden = true;
    const form = byId("verify-form");
    clearError(form);
    form.reset();
    form.hidden = false;
    const minutes = Math.max(1, Math.round(answer.expires_in / 60));
    byId("code-sent").textContent = `${sentence} ${number}. It is valid for ${minutes} minutes.`;
    // Only a development server returns the code (there is no SMS here).
    const devCode = byId("dev-code");
    devCode.hidden = !answer.otp;
    devCode.textContent = answer.otp ? `Development server: your code is ${answer.otp}` : "";
    byId("otp").focus();
  }

  finish(session) {
    startSession(session.access_token);
    for (const form of document.querySelectorAll("#login-view form")) form.reset();
    this.pendingNumber = null;
    this.onLoggedIn(session.user);
  }
}
