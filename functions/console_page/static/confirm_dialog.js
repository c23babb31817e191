// A yes/no question in a modal dialog: focus moves into it, Escape answers "no".

import { byId } from "./dom.js";

export function confirmDialog({ title, text, yes }) {
  const dialog = byId("confirm-dialog");
  byId("confirm-title").textContent = title;
  byId("confirm-text").textContent = text;
  byId("confirm-yes").textContent = yes;
  return new Promise((resolve) => {
    const answer = (value) => () => {
      dialog.close();
      resolve(value);
    };
    const onYes = answer(true);
    const onNo = answer(false);
    const onClose = () => {
      byId("confirm-yes").removeEventListener("click", onYes);
      byId("confirm-no").removeEventListener("click", onNo);
      resolve(false);
    };
    byId("confirm-yes").addEventListener("click", onYes);
    byId("confirm-no").addEventListener("click", onNo);
    dialog.addEventListener("close", onClose, { once: true });
    dialog.showModal();
    byId("confirm-no").focus();
  });
}
