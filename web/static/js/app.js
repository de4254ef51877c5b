/* Kring in the page: registers the service worker, says when an update is ready (and reloads only when
   the person asks), says when the device is offline, and keeps the filters in step with the address. */
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
})();
