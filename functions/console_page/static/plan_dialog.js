// "Confirm what you are about to sync": a run held by the "approve plan" setting shows its counts
// per category; the records behind them load on demand, a page at a time.

import { busy, byId, h, humanize } from "./dom.js";
import { kindName } from "./runs.js";

const ACTIONS = ["create", "link", "update", "skip", "conflict", "bring_in"];
const ACTION_NAMES = {
  create: "Create",
  link: "Link",
  update: "Update",
  skip: "Skip",
  conflict: "Conflict",
  bring_in: "Bring in from accounting",
};

export class PlanDialog {
  constructor(ctx) {
    this.ctx = ctx;
    this.dialog = byId("plan-dialog");
    this.run = null;
    this.cursor = null;
    this.dismissed = new Set(); // runs the person chose to decide on later: not reopened by polling
    byId("plan-proceed").addEventListener("click", (event) => busy(event.currentTarget, () => this.decide("approve"))());
    byId("plan-cancel").addEventListener("click", (event) => busy(event.currentTarget, () => this.decide("stop"))());
    byId("plan-later").addEventListener("click", () => this.close());
    byId("plan-more").addEventListener("click", (event) => busy(event.currentTarget, () => this.loadRecords())());
    byId("plan-records").addEventListener("toggle", (event) => {
      if (event.currentTarget.open && !byId("plan-items").children.length) this.loadRecords();
    });
    this.dialog.addEventListener("close", () => {
      if (this.run) this.dismissed.add(this.run.run_id);
      this.run = null;
    });
  }

  // Called on every poll: opens by itself once per run that starts waiting.
  offer(runs) {
    const waiting = runs.find((run) => run.status === "awaiting_approval");
    if (waiting && !this.run && !this.dismissed.has(waiting.run_id)) this.open(waiting);
    if (this.run && !runs.some((run) => run.run_id === this.run.run_id && run.status === "awaiting_approval")) {
      this.close();
    }
  }

  async open(run) {
    this.run = run;
    this.cursor = null;
    byId("plan-items").replaceChildren();
    byId("plan-more").hidden = true;
    byId("plan-records").open = false;
    byId("plan-intro").textContent = `The ${kindName(run.kind)} run has compared both sides and waits for you. Nothing changes until you proceed.`;
    byId("plan-counts").tBodies[0].replaceChildren(h("tr", {}, h("td", { colspan: 7 }, "Loading the plan ...")));
    if (!this.dialog.open) this.dialog.showModal();
    byId("plan-proceed").disabled = !this.ctx.canWrite;
    byId("plan-cancel").disabled = !this.ctx.canWrite;
    try {
      const page = await this.ctx.api.get(`/runs/${encodeURIComponent(run.run_id)}/plan`, { limit: 1 });
      this.showCounts(page.summary);
    } catch (error) {
      byId("plan-counts").tBodies[0].replaceChildren(h("tr", {}, h("td", { colspan: 7, class: "error" }, error.message)));
    }
  }

  showCounts(summary) {
    const counts = summary?.counts ?? {};
    const rows = Object.entries(counts).map(([category, byAction]) =>
      h("tr", {}, h("th", { scope: "row" }, humanize(category)), ACTIONS.map((action) => h("td", {}, String(byAction[action] ?? 0)))),
    );
    byId("plan-counts").tBodies[0].replaceChildren(...rows);
    byId("plan-intro").append(` ${summary?.to_apply ?? 0} records will be written.`);
  }

  async loadRecords() {
    const list = byId("plan-items");
    try {
      const page = await this.ctx.api.get(`/runs/${encodeURIComponent(this.run.run_id)}/plan`, { limit: 50, cursor: this.cursor });
      for (const action of page.items) {
        const target = action.remote_name ? ` (${action.remote_name})` : "";
        list.append(
          h("li", {}, h("strong", {}, `${ACTION_NAMES[action.action] ?? humanize(action.action)}: `), `${action.label}${target}`,
            h("span", { class: "muted" }, ` ${action.reason}`)),
        );
      }
      this.cursor = page.next_cursor;
      byId("plan-more").hidden = !this.cursor;
    } catch (error) {
      list.append(h("li", { class: "error" }, error.message));
    }
  }

  async decide(what) {
    const run = this.run;
    if (!run) return;
    try {
      await this.ctx.api.post(`/runs/${encodeURIComponent(run.run_id)}/${what}`);
      this.ctx.flash(what === "approve" ? "Plan approved: the run is applying it now." : "The run was cancelled; nothing was written.");
      this.close();
    } catch (error) {
      byId("plan-intro").textContent = error.message;
    }
    await this.ctx.refresh();
  }

  close() {
    if (this.dialog.open) this.dialog.close();
  }
}
