// "Linked to accounting": every record paired with an accounting record, with unlink and relink to
// an accounting record the person names. The API pages by cursor; "Find by id" filters what loaded.

import { busy, byId, entityName, h, replaceContent, statusBadge, timeElement } from "./dom.js";

const PAGE_SIZE = 50;

export class Links {
  constructor(ctx) {
    this.ctx = ctx;
    this.form = byId("links-filters");
    this.body = byId("links-table").tBodies[0];
    this.items = [];
    this.next = null;
    this.editing = null; // "entity/saas_id" of the row whose relink form is open
    this.form.addEventListener("submit", (event) => event.preventDefault());
    this.form.elements.entity.addEventListener("change", () => this.load());
    this.form.elements.search.addEventListener("input", () => this.show());
    byId("links-more").addEventListener("click", (event) => busy(event.currentTarget, () => this.load(true))());
  }

  // `fromRefresh`: a background refresh, skipped while a relink form is open so the typed id stays.
  async load(more = false, fromRefresh = false) {
    if (fromRefresh && this.editing) return;
    const provider = this.ctx.provider();
    if (!provider) {
      this.items = [];
      this.show();
      return;
    }
    let page;
    try {
      page = await this.ctx.api.get("/links", {
        provider,
        entity: this.form.elements.entity.value,
        limit: PAGE_SIZE,
        cursor: more ? this.next : undefined,
      });
    } catch (error) {
      this.ctx.flash(error.message, "error");
      return;
    }
    this.items = more ? [...this.items, ...page.items] : page.items;
    this.next = page.next_cursor;
    this.show();
  }

  show() {
    const search = this.form.elements.search.value.trim().toLowerCase();
    const shown = this.items.filter(
      (link) => !search || link.saas_id.toLowerCase().includes(search) || (link.remote_id ?? "").toLowerCase().includes(search),
    );
    replaceContent(this.body, shown.map((link) => this.row(link)));
    byId("links-empty").hidden = shown.length > 0;
    byId("links-empty").textContent = this.items.length ? "No loaded link matches this id." : "No links yet.";
    byId("links-more").hidden = !this.next;
  }

  row(link) {
    const key = `${link.entity}/${link.saas_id}`;
    const label = `${entityName(link.entity)} ${link.saas_id}`;
    const can = this.ctx.canWrite;
    const actions = [];
    if (link.state === "linked") {
      actions.push(
        h("button", {
          type: "button",
          class: "secondary",
          disabled: !can,
          "aria-label": `Unlink ${label}`,
          dataset: { key: `unlink-${key}` },
          onclick: (event) => busy(event.currentTarget, () => this.unlink(link))(),
        }, "Unlink"),
      );
    }
    actions.push(
      h("button", {
        type: "button",
        class: "secondary",
        disabled: !can,
        "aria-expanded": String(this.editing === key),
        "aria-label": `Relink ${label}`,
        dataset: { key: `relink-${key}` },
        onclick: () => {
          this.editing = this.editing === key ? null : key;
          this.show();
        },
      }, "Relink"),
    );
    if (this.editing === key) actions.push(this.relinkForm(link, label));
    return h(
      "tr",
      {},
      h("td", {}, entityName(link.entity), h("br"), h("span", { class: "muted" }, link.saas_id)),
      h("td", {}, statusBadge(link.state)),
      h("td", {}, link.remote_id ? `${link.remote_entity ?? ""} ${link.remote_id}`.trim() : "None"),
      h("td", {}, timeElement(link.updated_at)),
      h("td", { class: "row-actions" }, actions),
    );
  }

  relinkForm(link, label) {
    const inputId = `relink-${link.entity}-${link.saas_id}`.replace(/[^A-Za-z0-9_-]/g, "_");
    const feedback = h("p", { class: "error", role: "alert", hidden: true });
    const input = h("input", { id: inputId, name: "remote_id", required: true, maxlength: 64, autocomplete: "off", value: link.remote_id ?? "" });
    const form = h(
      "form",
      { class: "relink" },
      h("label", { for: inputId }, `Accounting record id for ${label}`),
      input,
      h("button", { type: "submit" }, "Link to this record"),
      feedback,
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const submit = form.querySelector("button");
      await busy(submit, () => this.relink(link, input.value.trim(), feedback))();
    });
    queueMicrotask(() => input.focus());
    return form;
  }

  async unlink(link) {
    try {
      await this.ctx.api.delete(`/links/${link.entity}/${encodeURIComponent(link.saas_id)}`, { provider: link.provider });
      this.ctx.flash(`${entityName(link.entity)} ${link.saas_id} is unlinked and no longer syncs.`);
    } catch (error) {
      this.ctx.flash(error.message, "error");
    }
    await this.load();
  }

  async relink(link, remoteId, feedback) {
    try {
      await this.ctx.api.put(`/links/${link.entity}/${encodeURIComponent(link.saas_id)}`, { remote_id: remoteId }, { provider: link.provider });
      this.editing = null;
      this.ctx.flash(`${entityName(link.entity)} ${link.saas_id} is linked to accounting record ${remoteId}.`);
      await this.load();
    } catch (error) {
      feedback.textContent = error.message;
      feedback.hidden = false;
    }
  }
}
