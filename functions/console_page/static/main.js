// Starts the page: takes the token handed over in the fragment, then keeps the cards, the history
// and the bell fresh by polling (every second while a run goes, every few seconds otherwise).

import { Balances } from "./balances.js";
import { Cards } from "./cards.js";
import { confirmDialog } from "./confirm_dialog.js";
import { Conflicts } from "./conflicts.js";
import { byId } from "./dom.js";
import { History } from "./history.js";
import { Links } from "./links.js";
import { Notifications } from "./notifications.js";
import { PendingActions } from "./pending.js";
import { PlanDialog } from "./plan_dialog.js";
import { isFinished } from "./runs.js";
import { Api, forgetToken, readClaims, SIGNED_OUT, takeToken } from "./session.js";
import { Settings } from "./settings.js";
import { SyncLog } from "./sync_log.js";

const BUSY_POLL_MS = 1000;
const IDLE_POLL_MS = 5000;
const OAUTH_MESSAGE = "fieldbooks-oauth-result";

function flash(text, tone = "info") {
  const banner = byId("flash");
  banner.textContent = text;
  banner.className = `banner banner-${tone}`;
  banner.hidden = false;
}

// The OAuth callback sends the pop-up back here with the outcome in the query string. In the
// pop-up, the outcome goes to the page that opened it and the pop-up closes; opened directly (the
// provider's page in the same tab), the page shows the outcome itself.
function handleOAuthReturn() {
  const query = new URLSearchParams(window.location.search);
  if (!query.has("status") || !query.has("provider")) return false;
  const outcome = { kind: OAUTH_MESSAGE, provider: query.get("provider"), status: query.get("status"), message: query.get("message") ?? "" };
  history.replaceState(null, "", window.location.pathname);
  if (window.opener && window.opener !== window) {
    try {
      window.opener.postMessage(outcome, window.location.origin);
      window.close();
      return true;
    } catch {
      // the opener navigated elsewhere: show the outcome here instead
    }
  }
  flash(outcome.message || `Connection ${outcome.status}.`, outcome.status === "connected" ? "info" : "error");
  return false;
}

function start() {
  if (handleOAuthReturn()) return;
  const token = takeToken();
  if (!token) {
    byId("signin-required").hidden = false;
    return;
  }
  const claims = readClaims(token);
  const signedOut = () => {
    forgetToken();
    flash(SIGNED_OUT, "error");
  };
  const ctx = {
    api: new Api(token, signedOut),
    canWrite: claims.role === "admin" || claims.role === "owner",
    flash,
    confirm: confirmDialog,
    connections: [],
    provider: () => ctx.connections.find((c) => c.status !== "disconnected")?.provider ?? null,
  };
  byId("signed-in").textContent = `Signed in as ${claims.sub ?? "unknown"} (${claims.role ?? "no role"})`;
  byId("console").hidden = false;

  const cards = new Cards(ctx);
  const plan = new PlanDialog(ctx);
  const history = new History(ctx);
  const bell = new Notifications();
  const log = new SyncLog(ctx);
  const conflicts = new Conflicts(ctx);
  const pending = new PendingActions(ctx);
  const links = new Links(ctx);
  const settings = new Settings(ctx);
  new Balances(ctx); // read on request only: it asks accounting

  let timer = null;
  let dataShape = "";
  let listsRefreshedAt = 0;
  let polling = null;

  async function poll() {
    clearTimeout(timer);
    let busy = false;
    try {
      const [connections, runs] = await Promise.all([ctx.api.get("/connections"), ctx.api.get("/runs", { limit: 20 })]);
      ctx.connections = connections.items;
      cards.render(connections.items, runs.items);
      history.render(runs.items);
      bell.update(connections.items, runs.items);
      plan.offer(runs.items);
      busy = runs.items.some((run) => !isFinished(run));
      // A new connection or a run that ended changes what the other sections show.
      const shape = JSON.stringify([connections.items.map((c) => [c.provider, c.status]), runs.items.filter(isFinished).map((r) => r.run_id)]);
      if (shape !== dataShape) {
        dataShape = shape;
        listsRefreshedAt = Date.now();
        await ctx.refreshData();
      } else if (Date.now() - listsRefreshedAt >= IDLE_POLL_MS) {
        // Pushes outside any run raise conflicts and pending actions too. Settings and links are
        // left alone here: a refresh would throw away what someone is typing into them.
        listsRefreshedAt = Date.now();
        await ctx.refreshLists();
      }
    } catch (error) {
      flash(error.message, "error");
      if (error.status === 401) return; // signed out: stop polling
    }
    timer = setTimeout(ctx.refresh, busy ? BUSY_POLL_MS : IDLE_POLL_MS);
  }

  ctx.refresh = () => {
    polling ??= poll().finally(() => {
      polling = null;
    });
    return polling;
  };
  ctx.refreshData = () => Promise.all([log.refresh(), conflicts.load(), pending.load(), links.load(false, true), settings.load()]);
  ctx.refreshLists = () => Promise.all([log.refresh(), conflicts.load(), pending.load()]);
  ctx.openPlan = (run) => plan.open(run);
  ctx.showRunInLog = (runId) => log.showRun(runId);
  ctx.watchPopup = (popup, provider) => {
    const watch = setInterval(() => {
      if (popup.closed) {
        clearInterval(watch);
        cards.forget(provider.id);
        ctx.refresh();
      }
    }, 500);
  };
  window.addEventListener("message", (event) => {
    if (event.origin !== window.location.origin || event.data?.kind !== OAUTH_MESSAGE) return;
    flash(event.data.message || `Connection ${event.data.status}.`, event.data.status === "connected" ? "info" : "error");
    ctx.refresh();
  });

  log.first();
  ctx.refresh();
}

start();
