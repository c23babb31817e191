// Per-connection settings: the whole object is read, edited and written back (PUT replaces it).

import { busy, byId, entityName, h } from "./dom.js";

const DIRECTION_NAMES = {
  both: "Both ways",
  to_accounting: "To accounting only",
  from_accounting: "From accounting only",
  off: "Off",
};
const FLAGS = ["approve_plan", "preview_customer_actions", "name_individuals_with_company"];
const TEXTS = ["default_income_account_id", "default_tax_code_id"];

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
    try {
      settings = await this.ctx.api.get(`/connections/${this.provider}/settings`);
    } catch (error) {
      this.ctx.flash(error.message, "error");
      return;
    }
    if (this.edited) return; // changed while the settings were on their way: the person's edits win
    this.loaded = settings;
    this.fill(settings);
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
    for (const name of TEXTS) this.form.elements[name].value = settings[name] ?? "";
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
    for (const name of TEXTS) settings[name] = this.form.elements[name].value.trim() || null;
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
