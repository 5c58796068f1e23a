/* The on-screen keyboard (a kiosk has no physical one), for the search box
 * and the survey's comment:
 *
 *   keyboard(box, field, { onChange, onEnter, enterLabel, extra, clear })
 *
 * fills `box` with rows of keys: digits, the letters, then backspace, a
 * space bar, the `extra` characters (e.g. ",.?!"), a clear key (unless
 * `clear` is false), with `caps` a capitals key (⇪, for "SMPN 3"), and with
 * `onEnter` an Enter key labelled `enterLabel` (an N_() message id). With
 * `capitalize` the first letter of each word is a capital (names). A key
 * changes `field.value` (never past the field's maxlength) and calls
 * `onChange()`; `field` may be any object with `value` and `maxLength`. Key
 * labels are data-t / data-t-label attributes, so applyStrings() translates them. */
import { applyStrings, N_ } from "./i18n.js";

const ROWS = ["1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm"];

function key(label, value, className, labelKey) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "key " + (className || "");
  button.textContent = label;
  button.dataset.key = value;
  if (labelKey) button.dataset.tLabel = labelKey;
  return button;
}

function row(keys) {
  const line = document.createElement("div");
  line.className = "key-row";
  line.append(...keys);
  return line;
}

export function keyboard(box, field, options) {
  const opts = options || {};
  ROWS.forEach((chars) => box.append(row(chars.split("").map((ch) => key(ch.toUpperCase(), ch)))));
  const last = [key("⌫", "backspace", "", N_("Delete one letter"))];
  const space = key("", " ", "wide");
  space.dataset.t = N_("space");
  last.push(space, ...(opts.extra || "").split("").map((ch) => key(ch, ch)));
  if (opts.clear !== false) last.push(key("✕", "clear", "", N_("Clear")));
  let caps = false;
  if (opts.caps) {
    const capsKey = key("⇪", "caps", "", N_("Capital letters"));
    capsKey.setAttribute("aria-pressed", "false");
    last.push(capsKey);
  }
  if (opts.onEnter) {
    const enter = key("", "enter", "enter");
    enter.dataset.t = opts.enterLabel;
    last.push(enter);
  }
  box.append(row(last));
  applyStrings(box);
  box.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-key]");
    if (!button) return;
    const value = button.dataset.key;
    if (value === "enter") { opts.onEnter(); return; }
    if (value === "caps") {
      caps = !caps;
      button.setAttribute("aria-pressed", String(caps));
      return;
    }
    const wordStart = field.value === "" || field.value.endsWith(" ");
    const typed = caps || (opts.capitalize && wordStart) ? value.toUpperCase() : value;
    if (value === "backspace") field.value = field.value.slice(0, -1);
    else if (value === "clear") field.value = "";
    else if (field.maxLength < 0 || field.value.length < field.maxLength) field.value += typed;
    if (opts.onChange) opts.onChange();
  });
}
