// One card per accounting system: status, company, last sync, Connect / Reconnect / Disconnect,
// Sync now, Stop, and the latest run's progress bars.

import { busy, byId, h, replaceContent, statusBadge, timeElement } from "./dom.js";
import { isFinished, kindName, progressBars, runStatusBadge } from "./runs.js";

export const PROVIDERS = [
  { id: "quickbooks_online", name: "QuickBooks Online" },
  { id: "xero", name: "Xero" },
  { id: "quickbooks_desktop", name: "QuickBooks Desktop" },
];
const STATUS_NAMES = {
  connected: "Connected",
  needs_reauth: "Needs reconnect",
  disconnected: "Disconnected",
  ready: "Ready to connect",
};
const STOPPABLE = new Set(["queued", "planning", "awaiting_approval", "running"]);

export class Cards {
  constructor(ctx) {
    this.ctx = ctx;
    this.container = byId("cards");
    this.notes = new Map(); // provider id -> a message shown on its card until the next action
    this.shown = "";
    this.connections = [];
    this.runs = [];
  }

  render(connections, runs) {
    this.connections = connections;
    this.runs = runs;
    const signature = JSON.stringify([connections, runs.slice(0, 6), [...this.notes]]);
    if (signature === this.shown) return;
    this.shown = signature;
    replaceContent(
      this.container,
      PROVIDERS.map((provider) => {
        const connection = connections.find((c) => c.provider === provider.id);
        return this.card(provider, connection, runs.filter((run) => run.provider === provider.id));
      }),
    );
  }

  rerender() {
    this.shown = "";
    this.render(this.connections, this.runs);
  }

  card(provider, connection, runs) {
    const status = connection?.status ?? "ready";
    const latest = runs[0];
    const active = runs.find((run) => !isFinished(run));
    const lastFinished = runs.find(isFinished);
    const titleId = `card-${provider.id}`;
    return h(
      "article",
      { class: `card card-${status}`, "aria-labelledby": titleId, dataset: { provider: provider.id } },
      h("div", { class: "card-head" }, h("h3", { id: titleId }, provider.name), statusBadge(status, STATUS_NAMES[status])),
      connection ? this.facts(connection, lastFinished) : h("p", { class: "muted" }, "Not connected yet."),
      status === "needs_reauth" &&
        h(
          "p",
          { class: "warning" },
          `${provider.name} no longer accepts this connection's sign-in. Reconnect to resume: nothing waiting is lost.`,
        ),
      status === "disconnected" &&
        h("p", { class: "muted" }, "Nothing syncs. Links and the sync log are kept, so a reconnect picks up from here."),
      latest &&
        h(
          "div",
          { class: "run" },
          h("p", {}, `${active ? "Current" : "Latest"} run, ${kindName(latest.kind)}: `, runStatusBadge(latest)),
          latest.message && h("p", { class: "muted" }, latest.message),
          progressBars(latest),
        ),
      this.note(provider),
      h("div", { class: "card-actions" }, this.actions(provider, connection, active)),
    );
  }

  facts(connection, lastFinished) {
    return h(
      "dl",
      { class: "facts" },
      h("dt", {}, "Company"),
      h("dd", {}, connection.company_name),
      h("dt", {}, "Connected since"),
      h("dd", {}, timeElement(connection.connected_at)),
      h("dt", {}, "Last sync"),
      h("dd", {}, lastFinished ? timeElement(lastFinished.finished_at || lastFinished.created_at) : "Not yet"),
      h("dt", {}, "Checks accounting"),
      h("dd", {}, `every ${connection.pull_interval_minutes} minutes`),
    );
  }

  note(provider) {
    const note = this.notes.get(provider.id);
    if (!note) return null;
    if (note.blockedUrl) {
      return h(
        "p",
        { class: "warning", role: "alert" },
        `Your browser blocked the ${provider.name} sign-in window. Allow pop-ups for this page and press Connect again, or `,
        h("a", { href: note.blockedUrl, target: "_blank", rel: "opener" }, `open the ${provider.name} sign-in page`),
        ".",
      );
    }
    return h("p", { class: note.tone === "error" ? "error" : "muted", role: "alert" }, note.text);
  }

  actions(provider, connection, active) {
    const status = connection?.status ?? "ready";
    const can = this.ctx.canWrite;
    const button = (key, label, work, tone = "") =>
      h("button", {
        type: "button",
        class: tone,
        disabled: !can,
        "aria-label": `${label}: ${provider.name}`,
        dataset: { key: `${provider.id}-${key}` },
        onclick: (event) => busy(event.currentTarget, work)(event.currentTarget),
      }, label);
    const buttons = [];
    if (status === "ready" || status === "disconnected") buttons.push(button("connect", "Connect", () => this.connect(provider)));
    if (status === "needs_reauth") buttons.push(button("reconnect", "Reconnect", () => this.connect(provider)));
    if (status === "connected" && !active) buttons.push(button("sync", "Sync now", () => this.syncNow(provider)));
    if (active?.status === "awaiting_approval") {
      buttons.push(button("review", "Review plan", () => this.ctx.openPlan(active)));
    }
    if (active && STOPPABLE.has(active.status)) buttons.push(button("stop", "Stop", () => this.stop(provider, active), "secondary"));
    if (status === "connected" || status === "needs_reauth") {
      buttons.push(button("disconnect", "Disconnect", () => this.disconnect(provider), "danger"));
    }
    if (!can) buttons.push(h("p", { class: "muted" }, "Only admins and owners can change connections."));
    return buttons;
  }

  async act(provider, work) {
    this.notes.delete(provider.id);
    try {
      await work();
    } catch (error) {
      this.notes.set(provider.id, { text: error.message, tone: "error" });
    }
    this.rerender();
    await this.ctx.refresh();
  }

  connect(provider) {
    // The window opens in the click itself: browsers let a page open pop-ups only from a user's
    // gesture, which the authorize call in between would use up.
    const popup = window.open("", "fieldbooks-connect", "popup,width=560,height=720");
    return this.act(provider, async () => {
      let reply;
      try {
        reply = await this.ctx.api.post(`/connections/${provider.id}/authorize`);
      } catch (error) {
        popup?.close();
        throw error;
      }
      const url = new URL(reply.authorize_url);
      if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error("The sign-in address is not a web page.");
      if (!popup || popup.closed) {
        this.notes.set(provider.id, { blockedUrl: url.href });
        return;
      }
      popup.location.href = url.href;
      this.notes.set(provider.id, { text: `Finish signing in to ${provider.name} in the window that opened.` });
      this.ctx.watchPopup(popup, provider);
    });
  }

  syncNow(provider) {
    return this.act(provider, async () => {
      await this.ctx.api.post(`/connections/${provider.id}/sync`);
      this.ctx.flash(`Sync now started for ${provider.name}.`);
    });
  }

  stop(provider, run) {
    return this.act(provider, async () => {
      await this.ctx.api.post(`/runs/${encodeURIComponent(run.run_id)}/stop`);
      this.ctx.flash(`Stopping the ${kindName(run.kind)} run: records already started finish first.`);
    });
  }

  async disconnect(provider) {
    const sure = await this.ctx.confirm({
      title: `Disconnect ${provider.name}?`,
      text:
        "Syncing stops at once and the sign-in is revoked. Nothing is deleted: links and the sync log stay, " +
        "and reconnecting picks up where it left off.",
      yes: "Disconnect",
    });
    if (!sure) return;
    await this.act(provider, async () => {
      await this.ctx.api.delete(`/connections/${provider.id}`);
      this.ctx.flash(`${provider.name} is disconnected. Nothing was deleted.`);
    });
  }

  forget(providerId) {
    this.notes.delete(providerId);
    this.rerender();
  }
}
