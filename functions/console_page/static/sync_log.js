// The sync log: one row per record and action, filtered on the server, paged by cursor, and the same
// filters exported as CSV (fetched with the token, then saved through a temporary link).

import { busy, byId, entityName, h, humanize, statusBadge, timeElement } from "./dom.js";

const PAGE_SIZE = 25;
const DIRECTIONS = { to_accounting: "To accounting", from_accounting: "From accounting" };

export class SyncLog {
  constructor(ctx) {
    this.ctx = ctx;
    this.form = byId("log-filters");
    this.body = byId("log-table").tBodies[0];
    this.cursors = [null]; // cursors[i] opens page i; the last one is the page shown
    this.next = null;
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.first();
    });
    this.form.addEventListener("reset", () => setTimeout(() => this.first()));
    byId("log-older").addEventListener("click", () => this.older());
    byId("log-newer").addEventListener("click", () => this.newer());
    byId("log-csv").addEventListener("click", (event) => busy(event.currentTarget, () => this.download())());
  }

  filters() {
    const data = new FormData(this.form);
    return Object.fromEntries([...data.entries()].map(([name, value]) => [name, String(value).trim()]).filter(([, value]) => value));
  }

  showRun(runId) {
    this.form.elements.run_id.value = runId;
    this.first();
    byId("log-title").scrollIntoView();
  }

  first() {
    this.cursors = [null];
    return this.load();
  }

  // Polling refreshes only the newest page: someone reading older rows keeps their place.
  refresh() {
    return this.cursors.length === 1 ? this.load() : Promise.resolve();
  }

  older() {
    if (!this.next) return;
    this.cursors.push(this.next);
    this.load();
  }

  newer() {
    if (this.cursors.length < 2) return;
    this.cursors.pop();
    this.load();
  }

  async load() {
    const cursor = this.cursors.at(-1);
    let page;
    try {
      page = await this.ctx.api.get("/sync-log", { ...this.filters(), limit: PAGE_SIZE, cursor });
    } catch (error) {
      this.ctx.flash(error.message, "error");
      return;
    }
    this.next = page.next_cursor;
    this.body.replaceChildren(...page.items.map((row) => this.row(row)));
    byId("log-empty").hidden = page.items.length > 0;
    byId("log-older").disabled = !this.next;
    byId("log-newer").disabled = this.cursors.length < 2;
    byId("log-page").textContent = `Page ${this.cursors.length}`;
  }

  row(entry) {
    const ids = [
      entry.saas_id && h("span", {}, `App: ${entry.saas_id}`),
      entry.remote_id && h("span", {}, `Accounting: ${entry.remote_id}`),
      entry.run_id && h("span", {}, `Run: ${entry.run_id}`),
    ].filter(Boolean);
    return h(
      "tr",
      {},
      h(
        "td",
        {},
        timeElement(entry.created_at),
        entry.acted_by && h("br"),
        entry.acted_by && h("span", { class: "muted" }, `by ${entry.acted_by.name}`), // a person, or Fieldbooks' own work
      ),
      h("td", {}, entityName(entry.entity), h("br"), h("span", { class: "muted" }, humanize(entry.action))),
      h("td", {}, DIRECTIONS[entry.direction] ?? humanize(entry.direction)),
      h("td", {}, statusBadge(entry.status)),
      h("td", { class: "detail" }, entry.detail, entry.values && valuesList(entry.values)),
      h("td", { class: "ids" }, ids),
    );
  }

  async download() {
    try {
      const csv = await this.ctx.api.get("/sync-log/export", this.filters());
      const url = URL.createObjectURL(csv);
      const link = h("a", { href: url, download: "sync-log.csv", hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (error) {
      this.ctx.flash(error.message, "error");
    }
  }
}

// Field conflicts keep both sides' values: shown as a small list under the sentence.
export function valuesList(values) {
  return h(
    "dl",
    { class: "values" },
    Object.entries(values).flatMap(([name, value]) => [
      h("dt", {}, humanize(name)),
      h("dd", {}, typeof value === "object" && value !== null ? JSON.stringify(value) : String(value)),
    ]),
  );
}
