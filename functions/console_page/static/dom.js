// Building blocks for the page. Every piece of text goes in through text nodes, never as HTML, so a
// customer called "<img onerror=...>" is shown as those characters and nothing runs.

export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") element.className = value;
    else if (name === "dataset") Object.assign(element.dataset, value);
    else if (name.startsWith("on") && typeof value === "function") element.addEventListener(name.slice(2), value);
    else if (name.startsWith("on")) throw new Error(`Event handlers are functions, not text: ${name}`);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
}

export function byId(id) {
  const element = document.getElementById(id);
  if (!element) throw new Error(`The page lacks #${id}`);
  return element;
}

// Replaces a container's content after a refresh without losing the keyboard user's place: the
// element that had focus is found again by its data-key in the new content.
export function replaceContent(container, ...children) {
  const focused = document.activeElement;
  const key = focused && container.contains(focused) ? focused.dataset.key : undefined;
  container.replaceChildren();
  append(container, children);
  if (key) {
    const again = container.querySelector(`[data-key="${CSS.escape(key)}"]`);
    if (again) again.focus();
  }
}

const WHEN = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

export function when(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : WHEN.format(date);
}

export function timeElement(iso) {
  return iso ? h("time", { datetime: iso }, when(iso)) : "";
}

const ENTITY_NAMES = {
  contact: "Customer",
  property: "Job site",
  item: "Item",
  invoice: "Invoice",
  credit_note: "Credit note",
  payment: "Payment",
  job: "Job",
  quote: "Quote",
};

export function entityName(entity) {
  return ENTITY_NAMES[entity] ?? humanize(entity);
}

export function humanize(text) {
  const words = String(text ?? "").replaceAll("_", " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function statusBadge(status, label = humanize(status)) {
  return h("span", { class: `badge badge-${String(status).replace(/[^a-z_]/g, "")}` }, label);
}

// One place that turns a failed call into something on screen, next to what the person clicked.
export function busy(button, work) {
  return async (...args) => {
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    try {
      return await work(...args);
    } finally {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    }
  };
}
