/* Kring's service worker. /sw.js prepends `const KRING = {version, precache, search, texts, skeletons, ...}`.
   - install: precache the app shell, the home, listing, crisis, about and offline pages in every
     language, and the offline catalog; it waits until the page says "update" (nothing reloads by itself);
   - activate: carry the pages visited under older versions over (those the new precache does not have),
     then delete every cache that is not this version's;
   - static assets (content-hashed): cache first; pages: network first, then the cache, then the
     offline page (which prints the crisis numbers); a fragment htmx asks for: its own answer or nothing;
   - a results request that fails offline is answered from the catalog, by the rules of search.js;
   - never cached: anything but GET, moderator pages, answers marked no-store or private, and calendar
     files (/{lang}/groups/{id}.ics): a download the person asked for just now, whose copy would be a
     trace on the device of the groups they put in a calendar (with the name, when they chose it) and would
     carry dates that go stale; offline, asking for one gets the offline page.
   It serves, it does not author: the markup of offline results is the server's. server/worker.py renders
   the partials the listing uses (_results.html with an offline note, _card.html, _result_counts.html) into
   KRING.skeletons, each shape of each with a slot ⟦name⟧ wherever a value goes. A worker has no DOM, and
   needs none for this: it picks the shape the server's template would take, and fills the slots with text
   (escaped) or with skeletons it filled (a list of them joined by what the template writes between two).
   The skeletons travel in this script rather than as <template>s in a cached page: without a DOMParser the
   worker would have to cut them out of the page's text, and here they change with the worker's version and
   cannot be missing from a cache. */
"use strict";

importScripts(KRING.search);

// Every cache is this version's own: a page saved under an older release must never win over the new one.
const SHELL = `kring-shell-${KRING.version}`;
const PAGES = `kring-pages-${KRING.version}`;
const DATA = `kring-data-${KRING.version}`;
const EXPECTED = new Set([SHELL, PAGES, DATA]);
const CATALOG = "/api/v1/catalog";
const PLACES = "/api/v1/places";
const LANGS = KRING.languages;
const NAVIGATION_TIMEOUT_MS = 4000;

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const shell = await caches.open(SHELL);
    await shell.addAll(KRING.precache.filter((url) => url !== CATALOG && url !== PLACES));
    const data = await caches.open(DATA);
    await data.addAll([CATALOG, PLACES]);
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const shell = await caches.open(SHELL);
    const pages = await caches.open(PAGES);
    for (const name of await caches.keys()) {
      if (EXPECTED.has(name)) continue;
      if (name.startsWith("kring-pages")) {
        // A group visited before the update stays readable offline; its old asset URLs find the new
        // assets (cacheFirst). What the new version precached is newer, so that copy stays.
        const old = await caches.open(name);
        for (const request of await old.keys()) {
          if (!(await shell.match(request, { ignoreVary: true })) && !(await pages.match(request))) {
            await pages.put(request, await old.match(request));
          }
        }
      }
      await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener("message", (event) => {
  if (event.data === "skipWaiting") self.skipWaiting();
  if (event.data === "refreshCatalog") event.waitUntil(refreshData());
});

function storable(request, response) {
  const control = response.headers.get("cache-control") || "";
  return response.ok && response.type === "basic" && !/no-store|private/.test(control)
    && !new URL(request.url).pathname.startsWith("/moderate");
}

async function refreshData() {
  const data = await caches.open(DATA);
  for (const url of [CATALOG, PLACES]) {
    try {
      // no-cache: the browser revalidates with the ETag; an unchanged catalog costs a 304.
      const response = await fetch(url, { cache: "no-cache" });
      if (response.ok) await data.put(url, response);
    } catch (error) {
      // Offline: keep what we have.
    }
  }
  prepared = null;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin || url.pathname.startsWith("/moderate")) return;
  if (url.pathname.endsWith(".ics")) {
    event.respondWith(networkOnly(request, url));
  } else if (url.pathname.startsWith("/static/")) {
    event.respondWith(cacheFirst(request));
  } else if (/^\/(nl|fr|en)\/groups\/results$/.test(url.pathname)) {
    event.respondWith(results(request, url));
  } else if (url.pathname === CATALOG || url.pathname === PLACES) {
    event.respondWith(networkFirst(request, DATA));
  } else if (request.mode === "navigate" || request.headers.get("HX-Request")) {
    event.respondWith(page(request, url));
  }
});

async function cacheFirst(request) {
  const hit = await caches.match(request);
  if (hit) return hit;
  try {
    const response = await fetch(request);
    if (storable(request, response)) (await caches.open(SHELL)).put(request, response.clone());
    return response;
  } catch (error) {
    // Offline, a page saved under an older version names its assets' old hashes: the current ones serve.
    const current = await caches.match(request, { ignoreSearch: true });
    if (current) return current;
    throw error;
  }
}

async function networkOnly(request, url) {
  try {
    return await fetch(request);
  } catch (error) {
    return (await caches.match(`/${languageOf(url)}/offline`)) || Response.error();
  }
}

async function networkFirst(request, cacheName) {
  try {
    const response = await fetch(request);
    if (storable(request, response)) (await caches.open(cacheName)).put(request, response.clone());
    return response;
  } catch (error) {
    const hit = await caches.match(request, { ignoreVary: true });
    if (hit) return hit;
    throw error;
  }
}

function withTimeout(promise, ms) {
  return Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error("timeout")), ms))]);
}

const languageOf = (url) => (LANGS.includes(url.pathname.split("/")[1]) ? url.pathname.split("/")[1] : LANGS[0]);

async function page(request, url) {
  const lang = languageOf(url);
  // The newest copy first: the page as last visited, else as this version precached it.
  const cached = (await (await caches.open(PAGES)).match(request, { ignoreVary: true }))
    || (await (await caches.open(SHELL)).match(request, { ignoreVary: true }));
  const network = fetch(request).then(async (response) => {
    if (storable(request, response)) (await caches.open(PAGES)).put(request, response.clone());
    return response;
  });
  try {
    // On a weak connection, a page we have already waits no longer than NAVIGATION_TIMEOUT_MS.
    return await (cached ? withTimeout(network, NAVIGATION_TIMEOUT_MS) : network);
  } catch (error) {
    if (cached) return cached;
    // A fragment htmx asked for (a meeting row the forms add) is its own answer or nothing: never a page, nor
    // a row of another index, put in its place. Going back (history restore) wants the whole page.
    if (request.mode !== "navigate" && !request.headers.get("HX-History-Restore-Request")) throw error;
    // The listing with other filters: its page without them; app.js then asks for these results.
    const shell = await caches.match(url.pathname, { ignoreSearch: true, ignoreVary: true });
    if (shell) return shell;
    return (await caches.match(`/${lang}/offline`)) || Response.error();
  }
}

let prepared = null;

async function offlineCatalog() {
  if (prepared) return prepared;
  const data = await caches.open(DATA);
  const [catalog, places] = await Promise.all([data.match(CATALOG), data.match(PLACES)]);
  if (!catalog || !places) return null;
  prepared = KringSearch.prepare(await catalog.json(), await places.json());
  return prepared;
}

async function results(request, url) {
  try {
    return await fetch(request);
  } catch (error) {
    const catalog = await offlineCatalog();
    if (!catalog) throw error;
    const lang = url.pathname.split("/")[1];
    const codes = new Set(KRING.languageCodes);
    const filters = KringSearch.parse(url.searchParams, catalog, (code) => codes.has(code));
    const found = KringSearch.search(catalog, filters);
    const query = KringSearch.toParams(filters);
    return new Response(render(lang, catalog, filters, found), {
      headers: {
        "Content-Type": "text/html; charset=utf-8",
        "HX-Push-Url": `/${lang}/groups${query ? `?${query}` : ""}`,
        "X-Kring-Offline": catalog.version,
      },
    });
  }
}

// --- the results fragment: the server's skeletons, filled ---

const SLOT = /\u27e6(\w+)\u27e7/g;

// What may go into a slot as it is: a skeleton whose slots were filled. Any other value is text.
class Filled { constructor(html) { this.html = html; } }

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;" })[c]);
}

const markup = (value) => (value instanceof Filled ? value.html : escape(value));
const join = (values, between) => new Filled(values.map(markup).join(between));

function fill(skeleton, values) {
  return new Filled(skeleton.replace(SLOT, (_, name) => {
    // A slot this worker has no value for means the templates changed under it: fail, never print "undefined".
    if (!(name in values)) throw new Error(`no value for the slot ${name}`);
    return markup(values[name]);
  }));
}

// gettext's placeholders, in the messages that hold numbers (KRING.texts).
const format = (message, values) => message.replace(/%\((\w+)\)[sd]/g, (_, name) => values[name]);

function render(lang, catalog, filters, found) {
  const s = KRING.skeletons[lang];
  const t = KRING.texts[lang];
  const date = (iso) => (iso ? new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeZone: "UTC" }).format(new Date(`${iso}T00:00:00Z`)) : "?");
  const number = (n) => new Intl.NumberFormat(lang).format(n);
  // A card's next date as meetings.short_date() and web.when_short() write it: 'Tue 8 Dec, 19:30'.
  const [weekdays, months] = t.calendar;
  const when = (value) => {
    const [iso, hhmm] = KringSearch.dateOf(value, catalog.dated);
    const [y, m, d] = iso.split("-").map(Number);
    const day = `${weekdays[(new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7]} ${d} ${months[m - 1]}`;
    const time = String(hhmm).padStart(4, "0");
    return hhmm === catalog.rules.no_time ? day : `${day}, ${time.slice(0, 2)}:${time.slice(2)}`;
  };
  const nextLine = (g) => (!g.meetings ? "" : found.next.has(g.rank) ? fill(s.next, { when: when(found.next.get(g.rank)) }) : new Filled(s.ended));
  const pageUrl = (n) => `/${lang}/groups${(q => (q ? `?${q}` : ""))(KringSearch.toParams(filters, n))}`;
  const cards = found.items.map(([g, distance]) => fill(s.card[found.stale.has(g.rank) ? "stale" : "fresh"][g.themes.length ? "themed" : "plain"], {
    id: g.id, name: g.name, kind: t.kind[g.kind], checked: date(g.checked),
    // Near a place, the town where it meets nearest to it (a listing may meet in several towns).
    where: fill(s.where[g.format || ""], {
      place: (distance !== null && KringSearch.nearestTown(g, catalog.places.get(filters.near), lang, catalog.rules.earth_radius_km))
        || g.city || (g.place ? g.place.names[lang] || g.place.name : "") || t.country[g.country],
    }),
    distance: distance === null ? "" : fill(s.away, { km: number(distance) }),
    next: nextLine(g),
    themes: join(g.themes.map((k) => t.theme[k]), s.between.themes),
  }));
  // The shape _results.html takes: no results, one page, or the first, a middle or the last of several.
  const page = filters.page;
  const shape = !cards.length ? "none" : found.pages === 1 ? "one" : page === 1 ? "first" : page === found.pages ? "last" : "middle";
  const results = fill(s.results[shape], {
    date: date(catalog.date), start: (page - 1) * catalog.rules.per_page + 1, cards: join(cards, s.between.cards),
    page: format(t.page, { page, pages: found.pages }), previous: pageUrl(page - 1), next: pageUrl(page + 1),
  });
  // The options web.py count_updates() counts: each counted facet's values (for an open one, those the
  // catalog has and any chosen), from the catalog's facets.
  const option = (param, value) => fill(s.option, { param, value, n: found.counts[param][value] || 0 });
  const options = catalog.facets.filter((facet) => facet.counted).flatMap((facet) => {
    const values = facet.open ? Array.from(new Set([...facet.values, ...filters[facet.param]])).sort() : facet.values;
    return values.map((value) => option(facet.param, value));
  });
  const plural = new Intl.PluralRules(lang).select(found.total) === "one" ? 0 : 1;
  const counts = fill(s.counts, { count: format(t.found[plural], { num: found.total }), options: join(options, "\n") });
  return `${results.html}\n${counts.html}`;
}
