// What the cards, the history and the bell share about runs.

import { h, humanize, statusBadge } from "./dom.js";

const FINISHED = new Set(["stopped", "succeeded", "partial", "failed"]);
const KIND_NAMES = { initial: "Initial sync", sync_now: "Sync now", scheduled: "Scheduled pull", webhook: "Change from accounting" };
const STATUS_NAMES = {
  queued: "Queued",
  planning: "Planning",
  awaiting_approval: "Waiting for your approval",
  running: "Running",
  stopping: "Stopping",
  stopped: "Stopped",
  succeeded: "Succeeded",
  partial: "Finished with failures",
  failed: "Failed",
};

// The order a run applies them in: parents before children, documents before payments.
const CATEGORY_ORDER = ["contacts", "properties", "items", "invoices", "credit_notes", "payments"];

function categoryRank(category) {
  const rank = CATEGORY_ORDER.indexOf(category);
  return rank === -1 ? CATEGORY_ORDER.length : rank;
}

export function isFinished(run) {
  return FINISHED.has(run.status);
}

export function kindName(kind) {
  return KIND_NAMES[kind] ?? humanize(kind);
}

export function runStatusBadge(run) {
  return statusBadge(run.status, STATUS_NAMES[run.status] ?? humanize(run.status));
}

export function failedCount(run) {
  return Object.values(run.progress || {}).reduce((sum, category) => sum + (category.failed || 0), 0);
}

// "invoices 412 / 1100": one labelled bar per category the run has work in.
export function progressBars(run) {
  const categories = Object.entries(run.progress || {})
    .filter(([, p]) => p.total > 0 || p.done > 0)
    .sort(([a], [b]) => categoryRank(a) - categoryRank(b));
  if (!categories.length) {
    return h("p", { class: "muted" }, isFinished(run) ? "Nothing needed syncing." : "Counting the records ...");
  }
  return h(
    "ul",
    { class: "progress-list" },
    categories.map(([name, p]) => {
      const id = `progress-${run.run_id}-${name}`;
      const failed = p.failed ? `, ${p.failed} failed` : "";
      return h(
        "li",
        {},
        h("label", { for: id }, `${humanize(name)} ${p.done} / ${p.total}${failed}`),
        // The bar shows what the run has worked through, failures included: it reaches the end when the run does.
        h("progress", { id, max: Math.max(p.total, 1), value: Math.min(p.done + (p.failed || 0), Math.max(p.total, 1)) }),
      );
    }),
  );
}
