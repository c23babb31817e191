// The SaaS hands the page its console token once, in the URL fragment (never sent to any server).
// The page moves it to sessionStorage, so it survives a reload of this tab but not the tab itself,
// and takes it out of the address bar, the history and anything copied from there.

const STORAGE_KEY = "fieldbooks.console.token";
export const SIGNED_OUT = "Your sign-in has ended. Open Integrations again from the field-service app.";

export function takeToken() {
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  const handed = fragment.get("token");
  if (handed) {
    sessionStorage.setItem(STORAGE_KEY, handed);
    history.replaceState(null, "", window.location.pathname + window.location.search);
  }
  return handed || sessionStorage.getItem(STORAGE_KEY);
}

export function forgetToken() {
  sessionStorage.removeItem(STORAGE_KEY);
}

// For display only (who is signed in, whether to offer admin buttons): the API verifies the token.
export function readClaims(token) {
  try {
    const payload = token.split(".")[1].replaceAll("-", "+").replaceAll("_", "/");
    return JSON.parse(atob(payload.padEnd(payload.length + ((4 - (payload.length % 4)) % 4), "=")));
  } catch {
    return {};
  }
}

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// The tenant console API lives on the same HttpApi (same origin, same stage) as this page.
export class Api {
  constructor(token, onSignedOut) {
    this.token = token;
    this.onSignedOut = onSignedOut;
    this.base = window.location.pathname.replace(/\/console\/?$/, "");
  }

  url(path, query = {}) {
    const url = new URL(this.base + path, window.location.origin);
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, value);
    }
    return url;
  }

  async call(method, path, { query, body } = {}) {
    const headers = { authorization: `Bearer ${this.token}`, accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    let reply;
    try {
      reply = await fetch(this.url(path, query), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: "no-store",
      });
    } catch {
      throw new ApiError(0, "Fieldbooks cannot be reached. Check your connection and try again.");
    }
    if (reply.status === 401) {
      this.onSignedOut();
      throw new ApiError(401, SIGNED_OUT);
    }
    if (!reply.ok) throw new ApiError(reply.status, await errorMessage(reply));
    const type = reply.headers.get("content-type") || "";
    return type.includes("json") ? reply.json() : reply.blob();
  }

  get(path, query) {
    return this.call("GET", path, { query });
  }

  post(path, body) {
    return this.call("POST", path, { body });
  }

  put(path, body, query) {
    return this.call("PUT", path, { body, query });
  }

  delete(path, query) {
    return this.call("DELETE", path, { query });
  }
}

async function errorMessage(reply) {
  try {
    const body = await reply.json();
    if (typeof body.message === "string" && body.message) return body.message;
    if (Array.isArray(body.detail) && body.detail.length) {
      return body.detail.map((problem) => `${(problem.loc || []).slice(1).join(".")}: ${problem.msg}`).join("; ");
    }
  } catch {
    // not JSON: fall through to the status line
  }
  return `Fieldbooks answered ${reply.status}. Try again in a moment.`;
}
