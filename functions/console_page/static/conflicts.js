// Conflicts in two lists, as bookkeepers know them from other connectors: those "Resolve
// automatically" settles (link to the accounting record of the same name), and those a person must
// settle by renaming a record (or by switching on the naming rule).

import { busy, byId, entityName, h, replaceContent, timeElement } from "./dom.js";
import { valuesList } from "./sync_log.js";

export class Conflicts {
  constructor(ctx) {
    this.ctx = ctx;
  }

  async load() {
    let conflicts;
    try {
      conflicts = (await this.ctx.api.get("/conflicts", { status: "open" })).items;
    } catch (error) {
      this.ctx.flash(error.message, "error");
      return;
    }
    const resolvable = conflicts.filter((conflict) => conflict.resolvable);
    const others = conflicts.filter((conflict) => !conflict.resolvable);
    replaceContent(
      byId("resolvable-list"),
      resolvable.length ? resolvable.map((conflict) => this.resolvableItem(conflict)) : empty("Nothing to resolve."),
    );
    replaceContent(
      byId("unresolvable-list"),
      others.length ? others.map((conflict) => this.manualItem(conflict)) : empty("Nothing needs renaming."),
    );
  }

  resolvableItem(conflict) {
    const feedback = h("p", { class: "error", role: "alert", hidden: true });
    return h(
      "li",
      {},
      h("p", {}, h("strong", {}, `${entityName(conflict.entity)} ${conflict.name ?? conflict.saas_id}: `), conflict.message),
      h("p", { class: "muted" }, "Found ", timeElement(conflict.created_at)),
      feedback,
      h(
        "button",
        {
          type: "button",
          disabled: !this.ctx.canWrite,
          "aria-label": `Resolve automatically: ${conflict.name ?? conflict.saas_id}`,
          dataset: { key: `resolve-${conflict.conflict_id}` },
          onclick: (event) => busy(event.currentTarget, () => this.resolve(conflict, feedback))(),
        },
        "Resolve automatically",
      ),
    );
  }

  manualItem(conflict) {
    const advice =
      conflict.kind === "duplicate_name" || conflict.other_saas_ids.length
        ? "Rename one of these records in the field-service app, or switch on the naming rule " +
          "“First Last (Company)” in Settings if they are different people."
        : "Change the record on one side; the next sync compares them again.";
    return h(
      "li",
      {},
      h("p", {}, h("strong", {}, `${entityName(conflict.entity)} ${conflict.name ?? conflict.saas_id}: `), conflict.message),
      conflict.other_saas_ids.length > 0 && h("p", { class: "muted" }, `Records with this name: ${[conflict.saas_id, ...conflict.other_saas_ids].join(", ")}`),
      conflict.values && valuesList(conflict.values),
      h("p", { class: "advice" }, advice),
    );
  }

  async resolve(conflict, feedback) {
    try {
      await this.ctx.api.post(`/conflicts/${encodeURIComponent(conflict.conflict_id)}/resolve`);
      this.ctx.flash(`Resolved: ${conflict.name ?? conflict.saas_id} is linked and synced.`);
      await this.ctx.refreshData();
    } catch (error) {
      feedback.textContent = error.message;
      feedback.hidden = false;
    }
  }
}

function empty(text) {
  return h("li", { class: "muted empty" }, text);
}
