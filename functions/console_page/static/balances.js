// Open balances on both sides: each linked customer's balance in the app and in accounting, differences
// first, with totals. Read on request (it asks accounting), never on the page's polling; CSV on request too.

import { busy, byId, h, replaceContent, when } from "./dom.js";

const MONEY = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });

// Amounts arrive as strings ("12.50"); they are shown, never added up here: the totals are the API's.
function money(text) {
  if (text === null || text === undefined) return "—";
  const number = Number(text);
  return Number.isFinite(number) ? MONEY.format(number) : String(text);
}

export class Balances {
  constructor(ctx) {
    this.ctx = ctx;
    this.body = byId("balances-table").tBodies[0];
    this.foot = byId("balances-table").tFoot;
    const compare = byId("balances-load");
    compare.addEventListener("click", busy(compare, () => this.load()));
    const download = byId("balances-csv");
    download.addEventListener("click", busy(download, () => this.download()));
  }

  async load() {
    const provider = this.ctx.provider();
    if (!provider) {
      this.ctx.flash("Connect an accounting system to compare balances.", "error");
      return;
    }
    let report;
    try {
      report = await this.ctx.api.get("/reports/balances", { provider });
    } catch (error) {
      this.ctx.flash(error.message, "error");
      return;
    }
    replaceContent(
      this.body,
      report.rows.map((row) =>
        h(
          "tr",
          { class: row.accounting_balance === null || row.difference !== "0.00" ? "differs" : undefined },
          h("th", { scope: "row" }, row.name, row.note ? h("div", { class: "muted" }, row.note) : ""),
          h("td", { class: "amount" }, money(row.saas_balance)),
          h("td", { class: "amount" }, money(row.accounting_balance)),
          h("td", { class: "amount" }, money(row.difference)),
        ),
      ),
    );
    const totals = report.totals;
    replaceContent(
      this.foot,
      h(
        "tr",
        {},
        h("th", { scope: "row" }, `Total (${totals.customers} customers)`),
        h("td", { class: "amount" }, money(totals.saas_balance)),
        h("td", { class: "amount" }, money(totals.accounting_balance)),
        h("td", { class: "amount" }, money(totals.difference)),
      ),
    );
    byId("balances-summary").textContent = report.rows.length
      ? `${totals.with_differences} of ${totals.customers} customers differ (${report.provider_name}, ${when(report.generated_at)}).`
      : "No customer is linked to accounting yet.";
    byId("balances-table").hidden = report.rows.length === 0;
  }

  async download() {
    const provider = this.ctx.provider();
    if (!provider) return;
    try {
      const csv = await this.ctx.api.get("/reports/balances", { provider, format: "csv" });
      const url = URL.createObjectURL(csv);
      const link = h("a", { href: url, download: "balances.csv", hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (error) {
      this.ctx.flash(error.message, "error");
    }
  }
}
