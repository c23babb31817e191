// Sync history: every recent run with its status and counts, each opening onto its failed items.

import { byId, entityName, h, replaceContent, timeElement } from "./dom.js";
import { failedCount, isFinished, kindName, progressBars, runStatusBadge } from "./runs.js";

export class History {
  constructor(ctx) {
    this.ctx = ctx;
    this.container = byId("history-list");
    this.opened = new Set();
    this.failures = new Map(); // run id -> rendered list, loaded once the run is finished
    this.shown = "";
  }

  render(runs) {
    const signature = JSON.stringify(runs);
    if (signature === this.shown) return;
    this.shown = signature;
    if (!runs.length) {
      replaceContent(this.container, h("p", { class: "muted" }, "No runs yet: connecting starts the first one."));
      return;
    }
    replaceContent(this.container, runs.map((run) => this.entry(run)));
  }

  entry(run) {
    const failed = failedCount(run);
    const details = h(
      "details",
      { class: "run-entry", open: this.opened.has(run.run_id), dataset: { run: run.run_id } },
      h(
        "summary",
        { dataset: { key: `run-${run.run_id}` } },
        h("span", { class: "run-kind" }, kindName(run.kind)),
        " ",
        runStatusBadge(run),
        " ",
        h("span", { class: "muted" }, timeElement(run.started_at || run.created_at)),
        failed ? h("span", { class: "error" }, ` ${failed} failed`) : "",
      ),
      run.message && h("p", {}, run.message),
      actedBy(run) && h("p", { class: "muted" }, actedBy(run)),
      progressBars(run),
      h("div", { class: "failures" }, this.failures.get(run.run_id) ?? ""),
      h(
        "button",
        { type: "button", class: "link-button", onclick: () => this.ctx.showRunInLog(run.run_id) },
        "Show this run in the sync log",
      ),
    );
    details.addEventListener("toggle", () => {
      if (details.open) {
        this.opened.add(run.run_id);
        this.loadFailures(run, details);
      } else {
        this.opened.delete(run.run_id);
      }
    });
    return details;
  }

  async loadFailures(run, details) {
    if (this.failures.has(run.run_id) && isFinished(run)) return;
    const box = details.querySelector(".failures");
    let rendered;
    try {
      const page = await this.ctx.api.get("/sync-log", { run_id: run.run_id, status: "error", limit: 100 });
      rendered = page.items.length
        ? h(
            "div",
            {},
            h("h4", {}, "Failed items"),
            h("ul", { class: "items" }, page.items.map((row) => h("li", {}, h("strong", {}, `${entityName(row.entity)} ${row.saas_id ?? ""}: `), row.detail))),
          )
        : h("p", { class: "muted" }, "No failed items in this run.");
    } catch (error) {
      rendered = h("p", { class: "error" }, error.message);
    }
    if (isFinished(run)) this.failures.set(run.run_id, rendered);
    box.replaceChildren(rendered);
  }
}

// Who started the run, approved its plan and asked it to stop: people by their user id, Fieldbooks' own work by name.
function actedBy(run) {
  const parts = [
    run.started_by && `Started by ${run.started_by.name}`,
    run.approved_by && `approved by ${run.approved_by.name}`,
    run.stopped_by && `stopped by ${run.stopped_by.name}`,
  ].filter(Boolean);
  return parts.join(", ");
}
