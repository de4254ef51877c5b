/* Kring's service worker. /sw.js prepends `const KRING = {version, precache, search, texts, ...}`.
   - install: precache the app shell, the home, listing, crisis, about and offline pages in every
     language, and the offline catalog; it waits until the page says "update" (nothing reloads by itself);
   - activate: carry the pages visited under older versions over (those the new precache does not have),
     then delete every cache that is not this version's;
   - static assets (content-hashed): cache first; pages: network first, then the cache, then the
     offline page (which prints the crisis numbers);
   - a results request that fails offline is answered from the catalog, by the rules of search.js;
   - never cached: anything but GET, moderator pages, answers marked no-store or private. */
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
  if (url.pathname.startsWith("/static/")) {
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

async function page(request, url) {
  const lang = LANGS.includes(url.pathname.split("/")[1]) ? url.pathname.split("/")[1] : LANGS[0];
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

// --- the results fragment, as web/templates/partials/_results.html and _card.html write it ---

const PIN = '<svg class="icon" aria-hidden="true" focusable="false" viewBox="0 0 24 24" width="18" height="18"><path d="M12 2a7 7 0 0 0-7 7c0 5 7 13 7 13s7-8 7-13a7 7 0 0 0-7-7zm0 9.5A2.5 2.5 0 1 1 12 6.5a2.5 2.5 0 0 1 0 5z"/></svg>';

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;" })[c]);
}

function fill(message, values) {
  return message.replace(/%\((\w+)\)[sd]/g, (_, name) => values[name]);
}

function render(lang, catalog, filters, found) {
  const t = KRING.texts[lang];
  const m = t.messages;
  const date = (iso) => (iso ? new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeZone: "UTC" }).format(new Date(`${iso}T00:00:00Z`)) : "?");
  const number = (n) => new Intl.NumberFormat(lang).format(n);
  const pageUrl = (n) => `/${lang}/groups${(q => (q ? `?${q}` : ""))(KringSearch.toParams(filters, n))}`;
  const out = ['<div id="results" class="results" aria-busy="false">'];
  out.push(`<p class="offline-note" role="note">${escape(fill(m["You are offline. These results come from the data Kring saved on %(date)s."], { date: date(catalog.date) }))}</p>`);
  if (found.items.length) {
    out.push(`<ol class="listings" start="${(filters.page - 1) * catalog.rules.per_page + 1}">`);
    for (const [g, distance] of found.items) {
      let where;
      if (g.format === "online") where = escape(t.format.online);
      else {
        const place = g.city || (g.place ? g.place.names[lang] || g.place.name : "") || t.country[g.country];
        where = escape(place);
        if (g.format === "hybrid") where += ` · ${escape(t.format.online)}`;
        else if (!g.format) where += ` · ${escape(m["in several places"])}`;
      }
      if (distance !== null) where += ` · ${escape(fill(m["%(km)s km away"], { km: number(distance) }))}`;
      const themes = g.themes.length ? `<p class="themes">${g.themes.map((k) => `<span class="tag">${escape(t.theme[k])}</span>`).join("")}</p>` : "";
      out.push(`<li class="listing"><h2><a href="/${lang}/groups/${escape(g.id)}">${escape(g.name)}</a></h2>`
        + `<p class="meta"><span class="kind">${escape(t.kind[g.kind])}</span><span>${PIN}${where}</span></p>${themes}`
        + (found.stale.has(g.rank)
          ? `<p class="checked stale">${escape(fill(m["Not checked since %(date)s"], { date: date(g.checked) }))}</p></li>`
          : `<p class="checked">${escape(fill(m["Checked on %(date)s"], { date: date(g.checked) }))}</p></li>`));
    }
    out.push("</ol>");
    if (found.pages > 1) {
      out.push(`<nav class="pages" aria-label="${escape(m.Pages)}">`);
      if (filters.page > 1) out.push(`<a rel="prev" href="${escape(pageUrl(filters.page - 1))}">${escape(m["Previous page"])}</a>`);
      out.push(`<span>${escape(fill(m["Page %(page)d of %(pages)d"], { page: filters.page, pages: found.pages }))}</span>`);
      if (filters.page < found.pages) out.push(`<a rel="next" href="${escape(pageUrl(filters.page + 1))}">${escape(m["Next page"])}</a>`);
      out.push("</nav>");
    }
  } else {
    out.push(`<div class="empty"><p>${escape(m["No group fits all of these filters."])}</p>`
      + `<p>${escape(m["Try fewer filters, a larger distance, or online groups."])} <a href="/${lang}/groups">${escape(m["Clear all filters"])}</a></p></div>`);
  }
  out.push("</div>");
  const plural = new Intl.PluralRules(lang).select(found.total) === "one" ? 0 : 1;
  out.push(`<p id="result-count" hx-swap-oob="innerHTML">${escape(fill(t.found[plural], { num: found.total }))}</p>`);
  // Each option's new count, as server/web.py count_updates() writes them.
  for (const facet of catalog.facets) {
    if (!facet.counted) continue;
    const values = facet.open ? Array.from(new Set([...facet.values, ...filters[facet.param]])).sort() : facet.values;
    for (const value of values) {
      out.push(`<span id="n-${facet.param}-${value}" hx-swap-oob="true" class="n">${found.counts[facet.param][value] || 0}</span>`);
    }
  }
  return out.join("\n");
}
