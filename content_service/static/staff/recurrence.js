// The event form's repetition (templates/events/staff/_recurrence.html). The
// form works without this file; it only saves clicks: ticking a day, choosing
// "the first Saturday" or typing an end chooses the option it belongs to, and
// on a form with no day ticked yet the start's weekday is ticked and chosen.
(function () {
  "use strict";
  const box = document.querySelector("fieldset.recurrence");
  if (!box) return;
  const start = box.form && box.form.querySelector('input[name="start"]');
  const CODES = ["SU", "MO", "TU", "WE", "TH", "FR", "SA"]; // getUTCDay() order
  let followStart = !box.querySelector('input[name="repeat_days"]:checked');

  function choose(spec) {
    for (const pair of spec.split(" ")) {
      const [name, value] = pair.split("=");
      const radio = box.querySelector(`input[type="radio"][name="${name}"][value="${value}"]`);
      if (radio) radio.checked = true;
    }
  }

  box.addEventListener("change", (event) => {
    const spec = event.target.dataset.choose;
    if (spec) choose(spec);
    if (event.target.name === "repeat_days" || event.target.name === "repeat_nth" ||
        event.target.name === "repeat_weekday") followStart = false;
  });
  box.addEventListener("focusin", (event) => {
    const spec = event.target.dataset.choose;
    if (spec && event.target.tagName === "INPUT" && event.target.type !== "checkbox" &&
        event.target.type !== "radio") choose(spec);
  });

  if (!start) return;
  start.addEventListener("change", () => {
    const found = /^(\d{4})-(\d{2})-(\d{2})/.exec(start.value);
    if (!found || !followStart) return;
    const day = Number(found[3]);
    const code = CODES[new Date(Date.UTC(Number(found[1]), Number(found[2]) - 1, day)).getUTCDay()];
    for (const tick of box.querySelectorAll('input[name="repeat_days"]')) tick.checked = tick.value === code;
    box.querySelector('select[name="repeat_weekday"]').value = code;
    box.querySelector('select[name="repeat_nth"]').value = day > 28 ? "-1" : String(Math.floor((day - 1) / 7) + 1);
  });
})();
