/* The page's text: t(key, vars) in the current language, pick() for the
 * API's bilingual values, applyStrings() for the data-t* attributes.
 *
 * Screens add their strings with strings({key: [Indonesian, English]}). */

const STRINGS = {};
let lang = "id";

/* Add a table of strings ({key: [Indonesian, English]}). */
export function strings(table) { Object.assign(STRINGS, table); }

/* Switch the language t() and pick() answer in ("id" or "en"). */
export function useLanguage(next) { lang = next === "en" ? "en" : "id"; return lang; }

export function currentLanguage() { return lang; }

/* The BCP 47 locale for dates and numbers in the current language. */
export function locale() { return lang === "en" ? "en-GB" : "id-ID"; }

/* The current language's text for `key`; {name} placeholders from `vars`. */
export function t(key, vars) {
  const pair = STRINGS[key];
  const text = pair ? pair[lang === "en" ? 1 : 0] : key;
  return vars ? fill(text, vars) : text;
}

/* Put {name} placeholders' values in. */
export function fill(text, vars) {
  return text.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? vars[k] : m));
}

/* Indonesian or English from a pair of values (the API's message_id/message). */
export function pick(id, en) { return lang === "en" ? (en || id) : (id || en); }

/* Fill every data-t (text), data-t-label (aria-label), data-t-alt and
 * data-t-placeholder under `root` in the current language. */
export function applyStrings(root) {
  const scope = root || document;
  scope.querySelectorAll("[data-t]").forEach((el) => { el.textContent = t(el.dataset.t); });
  scope.querySelectorAll("[data-t-label]").forEach((el) => { el.setAttribute("aria-label", t(el.dataset.tLabel)); });
  scope.querySelectorAll("[data-t-alt]").forEach((el) => { el.alt = t(el.dataset.tAlt); });
  scope.querySelectorAll("[data-t-placeholder]").forEach((el) => {
    el.setAttribute("placeholder", t(el.dataset.tPlaceholder));
  });
}
