// The subscription (tier, status, Stripe Checkout and the customer portal)
// and today's prompt allowance.

import { ApiError, api } from "./api.js";
import { byId, formatDateTime, formatDuration, formatTime, guarded, messageOf } from "./ui.js";

const STATUS_TEXT = {
  none: "No subscription",
  active: "Active",
  trialing: "Trial",
  past_due: "Payment overdue",
  canceled: "Cancelled",
  unpaid: "Unpaid",
  incomplete: "Payment not finished",
  incomplete_expired: "Payment expired",
  paused: "Paused",
};

export class Plan {
  constructor() {
    this.section = byId("plan");
    this.reset();
    byId("upgrade").addEventListener("click", () => this.upgrade());
    byId("portal").addEventListener("click", () => this.portal());
    // The "resets in" countdown, and a fresh allowance once the day is over.
    setInterval(() => this.renderQuota(), 30000);
  }

  // What Stripe's return page said happens next (main.js).
  showNotice(text) {
    const notice = byId("plan-notice");
    notice.textContent = text;
    notice.hidden = !text;
  }

  reset() {
    this.showNotice("");
    this.status = null;
    this.quota = null;
    this.unavailable = null;
    for (const id of ["upgrade", "portal", "plan-reason", "plan-period"]) byId(id).hidden = true;
    byId("upgrade").disabled = false;
    this.renderQuota();
  }

  async refresh() {
    return guarded(this.section, null, async () => {
      const { data } = await api.subscription();
      this.status = data;
      // The server says up front when it cannot take payments.
      this.unavailable = data.billing.available ? null : data.billing.reason;
      this.render();
      const usage = data.usage;
      this.setQuota({
        limit: usage.daily_limit,
        remaining: usage.daily_limit === null ? null : Math.max(0, usage.daily_limit - usage.used_today),
        resetsAt: new Date(usage.resets_at),
      });
    });
  }

  render() {
    const { tier, status, current_period_end: periodEnd, cancel_at_period_end: ending } = this.status;
    const pro = tier === "pro";
    byId("plan-tier").textContent = pro ? "Pro" : "Basic";
    byId("plan-status").textContent = STATUS_TEXT[status] ?? status;
    const period = byId("plan-period");
    period.hidden = !periodEnd;
    if (periodEnd) {
      const when = formatDateTime(new Date(periodEnd));
      period.textContent = ending ? `Pro ends on ${when}.` : `Renews on ${when}.`;
    }
    byId("upgrade").hidden = pro;
    // The portal is for anyone with a Stripe customer: Pro, or a lapsed payment.
    byId("portal").hidden = !pro && status === "none";
    this.showUnavailable();
  }

  // From the RateLimit-* headers of a prompt (null: no limit was sent).
  setQuota(quota) {
    if (quota === null && this.status?.tier !== "pro") return;
    this.quota = quota ?? { limit: null, remaining: null, resetsAt: null };
    this.renderQuota();
  }

  renderQuota() {
    const quota = this.quota;
    let text = "";
    if (quota && quota.limit === null) {
      text = "Unlimited prompts on Pro.";
    } else if (quota) {
      const left = quota.resetsAt - Date.now();
      if (left <= 0 && this.status && this.refreshedFor !== +quota.resetsAt) {
        this.refreshedFor = +quota.resetsAt;
        this.refresh();
        return;
      }
      const resets = `resets at ${formatTime(quota.resetsAt)} (in ${formatDuration(left)})`;
      const plural = quota.limit === 1 ? "" : "s";
      text = `${quota.remaining} of ${quota.limit} prompt${plural} left today; ${resets}.`;
    }
    byId("plan-usage").textContent = text || "…";
    const line = byId("quota-line");
    line.textContent = text;
    line.dataset.remaining = quota?.remaining ?? "";
  }

  async upgrade() {
    await guarded(this.section, byId("upgrade"), async () => {
      try {
        const { data } = await api.checkout();
        window.location.assign(data.checkout_url);
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        if (error.code === "billing_unavailable") {
          this.unavailable = messageOf(error);
          return;
        }
        if (error.code === "already_subscribed") await this.refresh();
        throw error;
      }
    });
    this.showUnavailable();
  }

  // While the server says billing is not configured (in its status, or by
  // refusing a checkout), the button stays off and says why, in its words.
  showUnavailable() {
    const reason = byId("plan-reason");
    const upgrade = byId("upgrade");
    upgrade.disabled = Boolean(this.unavailable);
    reason.hidden = upgrade.hidden || !this.unavailable;
    if (this.unavailable) reason.textContent = `Upgrading is unavailable: ${this.unavailable}.`;
  }

  async portal() {
    await guarded(this.section, byId("portal"), async () => {
      const { data } = await api.portal();
      window.location.assign(data.portal_url);
    });
  }
}
