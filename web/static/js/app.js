/* Kring in the page: registers the service worker, says when an update is ready (and reloads only when
   the person asks), says when the device is offline, keeps the filters in step with the address, and helps
   the forms' meeting rows (the focus goes to an added row; Enter sends the form, not "Add a meeting"); the
   buttons that need a script (share, copy, print) are hidden in the HTML and shown here when they can work. */
"use strict";

(() => {
  const updateBar = document.getElementById("update");
  const offlineBar = document.getElementById("offline");

  if ("serviceWorker" in navigator) {
    let asked = false;
    const offer = (worker) => {
      updateBar.hidden = false;
      updateBar.querySelector("button").addEventListener("click", () => {
        asked = true;
        worker.postMessage("skipWaiting");
      }, { once: true });
    };
    navigator.serviceWorker.register("/sw.js").then((registration) => {
      if (registration.waiting && navigator.serviceWorker.controller) offer(registration.waiting);
      registration.addEventListener("updatefound", () => {
        const worker = registration.installing;
        worker.addEventListener("statechange", () => {
          if (worker.state === "installed" && navigator.serviceWorker.controller) offer(worker);
        });
      });
      if (navigator.serviceWorker.controller && navigator.onLine) {
        navigator.serviceWorker.controller.postMessage("refreshCatalog");
      }
    });
    navigator.serviceWorker.addEventListener("controllerchange", () => {
      if (asked) window.location.reload();
    });
  }

  const showNetwork = () => { offlineBar.hidden = navigator.onLine; };
  window.addEventListener("online", showNetwork);
  window.addEventListener("offline", showNetwork);
  showNetwork();

  // Offline, the worker may answer /groups?… with the saved /groups page: set the filters from the
  // address and ask for these results (the worker answers them from its catalog).
  const form = document.getElementById("filters");
  if (form) {
    const wanted = new URLSearchParams(window.location.search);
    wanted.delete("page");
    const shown = new URLSearchParams(new FormData(form));
    for (const [key, value] of Array.from(shown)) if (!value || (key === "within" && !shown.get("near"))) shown.delete(key);
    const sorted = (p) => Array.from(p).map(([k, v]) => `${k}=${v}`).sort().join("&");
    if (sorted(wanted) !== sorted(shown)) {
      for (const field of form.elements) {
        if (field.type === "checkbox") field.checked = wanted.getAll(field.name).includes(field.value);
        else if (field.name === "within") field.value = wanted.get("within") || "25";
        else if (field.name && field.tagName !== "BUTTON") field.value = wanted.get(field.name) || "";
      }
      document.addEventListener("htmx:load", () => window.htmx.trigger(form, "change"), { once: true });
    }
  }

  // "Add a meeting" (the organizers' and the moderators' forms): htmx puts the new row where the button was,
  // which took the focus with it; the focus goes to the row's first field, where the person carries on.
  document.addEventListener("htmx:load", (event) => {
    if (event.target instanceof Element && event.target.matches("fieldset.meeting")) {
      event.target.querySelector("select, input").focus();
    }
  });

  // A form with "Add a meeting" has that button before its own: Enter in a field would press it, as the first
  // submit button. Enter sends the form with its own button instead, as in any other form.
  document.addEventListener("keydown", (event) => {
    const field = event.target;
    if (event.key !== "Enter" || !(field instanceof HTMLInputElement) || !field.form) return;
    if (!field.form.querySelector("button[name=add_meeting]")) return;
    event.preventDefault();
    field.form.requestSubmit(field.form.querySelector("button[type=submit]:not([name=add_meeting])"));
  });

  // The helper (/start): the same suggestion as the server, from the table the form carries, so that
  // it answers at once and offline. Nothing is stored; the answers only go into this page's address.
  const start = document.getElementById("start");
  if (start) {
    const table = JSON.parse(start.dataset.table);
    const places = new Set(Array.from(start.elements.near.options, (o) => o.value).filter(Boolean));
    const show = (params) => {
      const answers = {};
      for (const [question, value] of params) {
        if (question in table.filters && value in table.filters[question] && !(question in answers)) answers[question] = value;
        if (question === "near" && places.has(value) && !("near" in answers)) answers.near = value;
      }
      if (!Object.keys(answers).length) return;
      const filters = [];
      for (const question of Object.keys(table.filters)) {
        if (question in answers) filters.push(...table.filters[question][answers[question]]);
      }
      if (answers.where === "near" && answers.near) filters.push(["near", answers.near], ["within", table.within]);
      const query = new URLSearchParams(filters).toString();
      const lang = document.documentElement.lang;
      const section = document.getElementById("suggestion");
      document.getElementById("suggest-finder").href = `/${lang}/groups${query ? `?${query}` : ""}`;
      document.getElementById("suggest-crisis").hidden = answers.now !== "very_bad";
      const guide = table.guides[answers.talk || "unsure"];
      for (const item of section.querySelectorAll("[data-slug]")) item.hidden = item.dataset.slug !== guide;
      section.hidden = false;
      section.querySelector("h2").focus();
    };
    start.addEventListener("submit", (event) => {
      event.preventDefault();
      const params = new URLSearchParams(new FormData(start));
      for (const [key, value] of Array.from(params)) if (!value) params.delete(key);
      window.history.replaceState(null, "", `?${params}`);
      show(params);
    });
    if (window.location.search && document.getElementById("suggestion").hidden) show(new URLSearchParams(window.location.search));
  }

  // Quick exit: blank the page at once, then replace it (no history entry) with a neutral site. A button,
  // or the Shift key three times, each within two seconds of the last: the button shows each press, and a
  // status line says it for screen readers. `pageshow` (Back, or the page from the cache) starts from zero.
  const exit = document.getElementById("quick-exit");
  const exitStatus = document.getElementById("exit-status");
  let shifts = 0;
  let forgetShifts;
  const showShifts = () => {
    if (shifts) exit.dataset.step = String(shifts);
    else delete exit.dataset.step;
    exitStatus.textContent = shifts === 1 ? exitStatus.dataset.two : shifts === 2 ? exitStatus.dataset.one : "";
  };
  const leave = () => {
    document.documentElement.classList.add("leaving");
    exitStatus.textContent = exitStatus.dataset.leaving;
    window.location.replace(exit.href);
  };
  exit.addEventListener("click", (event) => {
    event.preventDefault();
    leave();
  });
  document.addEventListener("keyup", (event) => {
    clearTimeout(forgetShifts);
    shifts = event.key === "Shift" ? shifts + 1 : 0;
    if (shifts >= 3) {
      shifts = 0;
      leave();
      return;
    }
    showShifts();
    if (shifts) forgetShifts = setTimeout(() => { shifts = 0; showShifts(); }, 2000);
  });
  window.addEventListener("pageshow", () => {
    document.documentElement.classList.remove("leaving");
    shifts = 0;
    showShifts();
  });

  // The crisis lines' country switch works on the device, offline too: it puts the chosen country first and
  // remembers it in this browser only ("forget this device" clears it). In French Belgium always comes first.
  const COUNTRY = "kring-country";
  const countries = document.querySelector(".countries");
  if (countries) {
    const choices = document.querySelectorAll("[data-country-choice]");
    const choose = (code) => {
      const section = countries.querySelector(`[data-country="${code}"]`);
      if (!section) return;
      countries.prepend(section);
      for (const choice of choices) {
        if (choice.dataset.countryChoice === code) choice.setAttribute("aria-current", "true");
        else choice.removeAttribute("aria-current");
      }
    };
    for (const choice of choices) {
      choice.addEventListener("click", (event) => {
        event.preventDefault();
        choose(choice.dataset.countryChoice);
        window.localStorage.setItem(COUNTRY, choice.dataset.countryChoice);
      });
    }
    // A country in the address wins (offline the worker may answer ?country=NL with the page it saved).
    const asked = (new URLSearchParams(window.location.search).get("country") || "").toUpperCase();
    const remembered = document.documentElement.lang === "fr" ? null : window.localStorage.getItem(COUNTRY);
    if (asked || remembered) choose(asked || remembered);
  }

  // Saved groups: only in this browser's storage, never sent anywhere.
  const SAVED = "kring-saved";
  const savedIds = () => JSON.parse(window.localStorage.getItem(SAVED) || "[]");
  for (const button of document.querySelectorAll("button.save")) {
    const id = button.dataset.id;
    const show = () => {
      const on = savedIds().includes(id);
      button.setAttribute("aria-pressed", String(on));
      button.querySelector("[data-on]").hidden = !on;
      button.querySelector("[data-off]").hidden = on;
    };
    button.hidden = false;
    show();
    button.addEventListener("click", () => {
      const ids = savedIds();
      const next = ids.includes(id) ? ids.filter((i) => i !== id) : ids.concat(id);
      window.localStorage.setItem(SAVED, JSON.stringify(next));
      show();
    });
  }
  const list = document.getElementById("saved-list");
  if (list) {
    const ids = savedIds();
    document.getElementById("saved-empty").hidden = ids.length > 0;
    if (ids.length) {
      fetch("/api/v1/catalog").then((r) => r.json()).then((catalog) => {
        const lang = document.documentElement.lang;
        const byId = new Map(catalog.items.map((row) => [row[0], row[1]]));
        for (const id of ids) {
          const li = document.createElement("li");
          li.className = "listing";
          const a = document.createElement("a");
          a.href = `/${lang}/groups/${encodeURIComponent(id)}`;
          a.textContent = byId.get(id) || id;
          const h2 = document.createElement("h2");
          h2.append(a);
          li.append(h2);
          list.append(li);
        }
      });
    }
  }

  // Forget this device: saved groups, storage, every cache and the service worker, then say so.
  const forget = document.getElementById("forget");
  if (forget) {
    forget.hidden = false;
    forget.addEventListener("click", async () => {
      window.localStorage.clear();
      window.sessionStorage.clear();
      if ("caches" in window) for (const name of await caches.keys()) await caches.delete(name);
      if ("serviceWorker" in navigator) {
        for (const registration of await navigator.serviceWorker.getRegistrations()) await registration.unregister();
      }
      document.getElementById("forget-done").textContent = forget.dataset.done;
    });
  }

  // Share a group: the phone's own share sheet where there is one, else a "copy the link" button. Copying
  // (the link, a meeting's address) says it in the status element the button names, for eyes and ears.
  const share = document.getElementById("share");
  const canShare = share && typeof navigator.share === "function";
  if (canShare) {
    share.hidden = false;
    share.addEventListener("click", () => {
      // The person closing the share sheet rejects the promise: nothing to say then.
      navigator.share({ title: share.dataset.title, url: share.dataset.url }).catch(() => {});
    });
  }
  for (const button of document.querySelectorAll("button.copy")) {
    if (!navigator.clipboard || (canShare && button.id === "copy-link")) continue;
    const status = document.getElementById(button.dataset.status);
    button.hidden = false;
    button.addEventListener("click", async () => {
      status.textContent = "";
      try {
        await navigator.clipboard.writeText(button.dataset.copy);
        status.textContent = status.dataset.done;
      } catch (error) {
        status.textContent = status.dataset.failed;
      }
    });
  }

  // Print: the print stylesheet (kring.css) keeps names, dates, places, phone numbers and the crisis numbers.
  for (const button of document.querySelectorAll("button.print")) {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
  }

  // Near me: the device finds the nearest Kring place itself; only that place's id goes in the address.
  const nearMe = document.getElementById("near-me");
  if (nearMe && "geolocation" in navigator) {
    const status = document.getElementById("near-me-status");
    nearMe.hidden = false;
    document.getElementById("near-me-help").hidden = false;
    nearMe.addEventListener("click", () => {
      navigator.geolocation.getCurrentPosition(async (position) => {
        const { latitude, longitude } = position.coords;
        const places = await (await fetch("/api/v1/places")).json();
        const rad = Math.PI / 180;
        const distance = (p) => {
          const a = Math.sin(((p[3] - latitude) * rad) / 2);
          const b = Math.sin(((p[4] - longitude) * rad) / 2);
          return a * a + Math.cos(latitude * rad) * Math.cos(p[3] * rad) * b * b;
        };
        const nearest = places.reduce((best, p) => (distance(p) < distance(best) ? p : best));
        const select = document.getElementById("near");
        select.value = nearest[0];
        status.hidden = false;
        status.textContent = select.options[select.selectedIndex].text;
        select.dispatchEvent(new Event("change", { bubbles: true }));
      }, () => {
        status.hidden = false;
        status.textContent = nearMe.dataset.failed;
      });
    });
  }
})();
