/* The page's text, from the kiosk's gettext catalogues
 * (kiosk/translations/<lang>/LC_MESSAGES/messages.po, served as
 * /i18n/<lang>.json by kiosk/app.py). Message ids are the English source
 * text, as in the content service's catalogues:
 *
 *   t("Scan a book here")                         one message
 *   t("Hello, {name}!", { name })                 {name} placeholders
 *   nt("{n} book found", "{n} books found", n)    plurals ({n} is filled in)
 *   pt("survey face", "OK")                       the same English, another meaning
 *   N_("Borrow books")                            marks a message for extraction
 *                                                 where the text is looked up later
 *
 * `make translations` extracts these calls (and the templates' _() calls)
 * into the catalogues. A message the current catalogue lacks shows its
 * English, so a missing translation is never a blank. pick() chooses from
 * the API's own bilingual values (message_id / message, title / title_en).
 * applyStrings() re-translates the data-t* attributes after a language switch. */

const catalogues = {};  // lang -> { plurals: {CLDR category: form index}, messages: {id: text | [forms]} }
let lang = "id";

/* Keep a catalogue (the JSON of /i18n/<lang>.json). */
export function install(catalogue) { catalogues[catalogue.lang] = catalogue; }

/* Switch the language t() and pick() answer in ("id" or "en"). */
export function useLanguage(next) { lang = next === "en" ? "en" : "id"; return lang; }

export function currentLanguage() { return lang; }

/* The BCP 47 locale for dates and numbers in the current language. */
export function locale() { return lang === "en" ? "en-GB" : "id-ID"; }

function lookup(id) {
  const catalogue = catalogues[lang];
  return catalogue ? catalogue.messages[id] : undefined;
}

/* The current language's text for `msgid`; {name} placeholders from `vars`. */
export function t(msgid, vars) {
  const found = lookup(msgid);
  const text = typeof found === "string" ? found : Array.isArray(found) ? found[0] : msgid;
  return vars ? fill(text, vars) : text;
}

/* t() for a message with a context (gettext's msgctxt). */
export function pt(context, msgid, vars) {
  const found = lookup(context + "\u0004" + msgid);
  const text = typeof found === "string" ? found : msgid;
  return vars ? fill(text, vars) : text;
}

/* The plural form for `n`; {n} and `vars` placeholders filled in. The
 * catalogue says which of its forms each CLDR plural category takes. */
export function nt(singular, plural, n, vars) {
  const found = lookup(singular);
  let text = n === 1 ? singular : plural;  // English, when the catalogue lacks it
  if (Array.isArray(found)) {
    const category = new Intl.PluralRules(locale()).select(n);
    const index = catalogues[lang].plurals[category];
    text = found[Math.min(index === undefined ? found.length - 1 : index, found.length - 1)];
  }
  return fill(text, { n, ...(vars || {}) });
}

/* A no-op that marks `msgid` for extraction (gettext's N_). */
export function N_(msgid) { return msgid; }

/* Put {name} placeholders' values in. */
export function fill(text, vars) {
  return text.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? vars[k] : m));
}

/* Indonesian or English from a pair of values (the API's message_id/message). */
export function pick(id, en) { return lang === "en" ? (en || id) : (id || en); }

/* Fill every data-t (text), data-t-label (aria-label), data-t-alt and
 * data-t-placeholder under `root` in the current language (the templates
 * render them in Indonesian first). */
export function applyStrings(root) {
  const scope = root || document;
  scope.querySelectorAll("[data-t]").forEach((el) => { el.textContent = t(el.dataset.t); });
  scope.querySelectorAll("[data-t-label]").forEach((el) => { el.setAttribute("aria-label", t(el.dataset.tLabel)); });
  scope.querySelectorAll("[data-t-alt]").forEach((el) => { el.alt = t(el.dataset.tAlt); });
  scope.querySelectorAll("[data-t-placeholder]").forEach((el) => {
    el.setAttribute("placeholder", t(el.dataset.tPlaceholder));
  });
}
