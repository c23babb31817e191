// The bell and the needs-reconnect banner. Runs that finish while the page is open, and
// connections that need a reconnect, become notifications; the banner stays until reconnected.

import { byId, h, timeElement } from "./dom.js";
import { PROVIDERS } from "./cards.js";
import { failedCount, isFinished, kindName } from "./runs.js";

const OUTCOMES = { succeeded: "succeeded", partial: "finished with failures", failed: "failed", stopped: "was stopped" };

export class Notifications {
  constructor() {
    this.button = byId("bell-button");
    this.panel = byId("bell-panel");
    this.items = [];
    this.unread = 0;
    this.seenRuns = null; // run id -> finished?; null until the first poll, which only sets the baseline
    this.warned = new Set();
    this.button.addEventListener("click", () => this.toggle(this.panel.hidden));
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && !this.panel.hidden) {
        this.toggle(false);
        this.button.focus();
      }
    });
  }

  toggle(open) {
    this.panel.hidden = !open;
    this.button.setAttribute("aria-expanded", String(open));
    if (open) {
      this.unread = 0;
      this.showCount();
    }
  }

  update(connections, runs) {
    const first = this.seenRuns === null;
    const before = this.seenRuns ?? new Map();
    if (first) {
      const latest = runs.find(isFinished);
      if (latest) this.add(runSentence(latest), latest.finished_at, false);
    } else {
      for (const run of runs) {
        if (isFinished(run) && before.get(run.run_id) === false) this.add(runSentence(run), run.finished_at, true);
      }
    }
    this.seenRuns = new Map(runs.map((run) => [run.run_id, isFinished(run)]));
    this.reconnectBanner(connections);
  }

  reconnectBanner(connections) {
    const waiting = connections.filter((connection) => connection.status === "needs_reauth");
    const banner = byId("reconnect-banner");
    banner.hidden = waiting.length === 0;
    banner.replaceChildren(
      ...waiting.map((connection) =>
        h("p", {}, h("strong", {}, `${connection.provider_name} needs a reconnect. `),
          `${connection.company_name} no longer accepts Fieldbooks' sign-in, so nothing syncs until someone reconnects. `,
          "Nothing waiting is lost.", " ",
          h("a", { href: `#card-${connection.provider}` }, "Go to the card")),
      ),
    );
    for (const connection of waiting) {
      if (!this.warned.has(connection.provider)) {
        this.warned.add(connection.provider);
        this.add(`${connection.provider_name} needs a reconnect.`, null, true);
      }
    }
    for (const provider of PROVIDERS) {
      if (!waiting.some((connection) => connection.provider === provider.id)) this.warned.delete(provider.id);
    }
  }

  add(text, at, unread) {
    this.items.unshift({ text, at });
    this.items = this.items.slice(0, 20);
    if (unread && this.panel.hidden) this.unread += 1;
    byId("bell-list").replaceChildren(...this.items.map((item) => h("li", {}, item.text, item.at ? [" ", timeElement(item.at)] : [])));
    byId("bell-empty").hidden = this.items.length > 0;
    this.showCount();
  }

  showCount() {
    const count = byId("bell-count");
    count.hidden = this.unread === 0;
    count.textContent = String(this.unread);
    this.button.setAttribute("aria-label", this.unread ? `Notifications, ${this.unread} new` : "Notifications");
  }
}

function runSentence(run) {
  const failed = failedCount(run);
  const done = Object.values(run.progress || {}).reduce((sum, category) => sum + (category.done || 0), 0);
  const provider = PROVIDERS.find((p) => p.id === run.provider)?.name ?? run.provider;
  return `${kindName(run.kind)} with ${provider} ${OUTCOMES[run.status] ?? run.status}: ${done} records done${failed ? `, ${failed} failed` : ""}.`;
}
