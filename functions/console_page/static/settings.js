// Per-connection settings: the whole object is read, edited and written back (PUT replaces it).

import { busy, byId, entityName, h, when } from "./dom.js";

const DIRECTION_NAMES = {
  both: "Both ways",
  to_accounting: "To accounting only",
  from_accounting: "From accounting only",
  off: "Off",
};
const FLAGS = ["approve_plan", "preview_customer_actions", "name_individuals_with_company"];
// The defaults choose from the lists pulled from accounting (GET .../reference-lists); the API refuses an
// id the company does not have, so the page offers only those (and keeps a saved one it no longer lists).
const PICKS = {
  default_income_account_id: { list: "income_accounts", unset: "Not set: chosen by the kind of item" },
  default_tax_code_id: { list: "tax_codes", unset: "Not set" },
};

export class Settings {
  constructor(ctx) {
    this.ctx = ctx;
    this.form = byId("settings-form");
    this.loaded = null;
    this.provider = null;
    this.edited = false; // a refresh never overwrites what someone has changed and not saved yet
    this.form.addEventListener("input", () => {
      this.edited = true;
    });
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      busy(this.form.querySelector("button[type=submit]"), () => this.save())();
    });
    this.lists = null;
    const refresh = byId("reference-lists-refresh");
    refresh.addEventListener("click", busy(refresh, () => this.refreshLists()));
  }

  async load() {
    const provider = this.ctx.provider();
    if (this.edited && provider === this.provider) return;
    this.provider = provider;
    this.edited = false;
    byId("settings-none").hidden = Boolean(this.provider);
    this.form.hidden = !this.provider;
    if (!this.provider) return;
    let settings;
    let lists;
    try {
      [settings, lists] = await Promise.all([
        this.ctx.api.get(`/connections/${this.provider}/settings`),
        this.ctx.api.get(`/connections/${this.provider}/reference-lists`),
      ]);
    } catch (error) {
      this.ctx.flash(error.message, "error");
      return;
    }
    if (this.edited) return; // changed while the settings were on their way: the person's edits win
    this.loaded = settings;
    this.lists = lists;
    this.fill(settings);
  }

  async refreshLists() {
    try {
      this.lists = await this.ctx.api.post(`/connections/${this.provider}/reference-lists/refresh`);
    } catch (error) {
      this.ctx.flash(error.message, "error");
      return;
    }
    const chosen = Object.fromEntries(Object.keys(PICKS).map((name) => [name, this.form.elements[name].value || null]));
    this.fillPicks(chosen);
    this.ctx.flash("The accounts and tax codes were brought over from accounting.");
  }

  fillPicks(chosen) {
    for (const [name, pick] of Object.entries(PICKS)) {
      const entries = this.lists?.[pick.list] ?? [];
      const value = chosen[name] ?? "";
      const options = [h("option", { value: "" }, pick.unset)];
      for (const entry of entries) options.push(h("option", { value: entry.id, selected: entry.id === value }, entry.name));
      if (value && !entries.some((entry) => entry.id === value)) {
        options.push(h("option", { value, selected: true }, `${value} (not in the lists last pulled)`));
      }
      this.form.elements[name].replaceChildren(...options);
      this.form.elements[name].value = value;
    }
    byId("reference-lists-note").textContent = this.lists?.pulled_at
      ? `Accounts and tax codes as accounting held them on ${when(this.lists.pulled_at)}.`
      : "The accounts and tax codes have not been brought over from accounting yet.";
  }

  fill(settings) {
    byId("settings-directions").replaceChildren(
      ...Object.entries(settings.directions).map(([entity, direction]) => {
        const id = `direction-${entity}`;
        return h(
          "div",
          { class: "direction" },
          h("label", { for: id }, entityName(entity)),
          h(
            "select",
            { id, name: `direction:${entity}` },
            Object.entries(DIRECTION_NAMES).map(([value, label]) => h("option", { value, selected: value === direction }, label)),
          ),
        );
      }),
    );
    for (const name of FLAGS) this.form.elements[name].checked = Boolean(settings[name]);
    this.fillPicks(settings);
    this.form.elements.conflict_policy.value = settings.conflict_policy;
    this.form.elements.pull_interval_minutes.value = settings.pull_interval_minutes;
    for (const element of this.form.elements) element.disabled = !this.ctx.canWrite;
  }

  read() {
    const directions = {};
    for (const element of this.form.elements) {
      if (element.name?.startsWith("direction:")) directions[element.name.slice("direction:".length)] = element.value;
    }
    const settings = { ...this.loaded, directions };
    for (const name of FLAGS) settings[name] = this.form.elements[name].checked;
    for (const name of Object.keys(PICKS)) settings[name] = this.form.elements[name].value || null;
    settings.conflict_policy = this.form.elements.conflict_policy.value;
    settings.pull_interval_minutes = Number(this.form.elements.pull_interval_minutes.value);
    return settings;
  }

  async save() {
    if (!this.form.reportValidity()) return;
    try {
      this.loaded = await this.ctx.api.put(`/connections/${this.provider}/settings`, this.read());
      this.edited = false;
      this.fill(this.loaded);
      this.ctx.flash("Settings saved.");
      await this.ctx.refresh();
    } catch (error) {
      this.ctx.flash(error.message, "error");
    }
  }
}
