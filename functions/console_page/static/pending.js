// What waits for a person: preview mode's holds, and invoices voided or deleted in accounting (void here too? re-import?).

import { busy, byId, entityName, h, replaceContent, timeElement } from "./dom.js";

export class PendingActions {
  constructor(ctx) {
    this.ctx = ctx;
    this.approveAll = byId("approve-all");
    this.approveAll.addEventListener("click", (event) => busy(event.currentTarget, () => this.approveEverything())());
  }

  async load() {
    let actions;
    try {
      actions = (await this.ctx.api.get("/pending-actions")).items.filter((action) => action.status === "pending");
    } catch (error) {
      this.ctx.flash(error.message, "error");
      return;
    }
    this.approveAll.disabled = !this.ctx.canWrite || actions.length === 0;
    replaceContent(
      byId("pending-list"),
      actions.length ? actions.map((action) => this.item(action)) : h("li", { class: "muted empty" }, "Nothing is waiting."),
    );
  }

  item(action) {
    return h(
      "li",
      {},
      h("p", {}, h("strong", {}, `${entityName(action.entity)}: `), action.summary),
      h("p", { class: "muted" }, "Waiting since ", timeElement(action.created_at)),
      h(
        "button",
        {
          type: "button",
          disabled: !this.ctx.canWrite,
          "aria-label": `Approve: ${action.summary}`,
          dataset: { key: `approve-${action.action_id}` },
          onclick: (event) => busy(event.currentTarget, () => this.approve(action))(),
        },
        "Approve",
      ),
    );
  }

  async approve(action) {
    try {
      await this.ctx.api.post(`/pending-actions/${encodeURIComponent(action.action_id)}/approve`);
      this.ctx.flash(`Approved: ${action.summary}.`);
    } catch (error) {
      this.ctx.flash(error.message, "error");
    }
    await this.ctx.refreshData();
  }

  // The API approves 20 per call (customers before job sites) and says how many remain.
  async approveEverything() {
    try {
      let approved = 0;
      for (let call = 0; call < 50; call += 1) {
        const summary = await this.ctx.api.post("/pending-actions/approve-all");
        approved += summary.approved ?? 0;
        if (!summary.remaining || !summary.approved) break; // stuck ones stay listed, with their error
      }
      this.ctx.flash(`Approved ${approved} waiting changes.`);
    } catch (error) {
      this.ctx.flash(error.message, "error");
    }
    await this.ctx.refreshData();
  }
}
