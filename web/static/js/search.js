/* Kring's search rules (server/search.py) applied to the offline catalog (server/worker.py).
   Same normalisation, words, filters, counts and order as the server, so the worker answers a results
   request offline with exactly the ids the server would give for the same data version. The facets
   (server/facets.py) and search.py's constants come in the catalog: nothing here names a filter. */
"use strict";

const KringSearch = (() => {
  const TODAY = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Brussels" });
  const EARTH_RADIUS_KM = 6371.0088;
  const DEGREE = Math.PI / 180;

  function normalise(text, spelledOut) {
    const lower = text.toLowerCase().replace(/./gsu, (c) => spelledOut[c] || c);
    return lower.normalize("NFKD").replace(/\p{M}/gu, "");
  }

  function words(text, spelledOut) {
    return normalise(text, spelledOut).match(/[a-z0-9]+/g) || [];
  }

  /* The server's today(): the calendar date in Europe/Brussels, as ISO (en-CA writes YYYY-MM-DD). */
  function today() {
    return TODAY.format(new Date());
  }

  /* The server's months_before(): the same day n calendar months earlier, or that month's last day. */
  function monthsBefore(iso, n) {
    const [year, month, day] = iso.split("-").map(Number);
    const index = year * 12 + month - 1 - n;
    const y = Math.floor(index / 12);
    const m = index - y * 12 + 1;
    const last = new Date(Date.UTC(y, m, 0)).getUTCDate(); // day 0 of the next month
    const pad = (v, width) => String(v).padStart(width, "0");
    return `${pad(y, 4)}-${pad(m, 2)}-${pad(Math.min(day, last), 2)}`;
  }

  /* Days from one ISO date to another (both calendar dates, so UTC arithmetic counts them exactly). */
  function daysBetween(from, to) {
    const utc = (iso) => Date.UTC(...iso.split("-").map((v, i) => Number(v) - (i === 1 ? 1 : 0)));
    return Math.round((utc(to) - utc(from)) / 86400000);
  }

  /* A date of the catalog (days after `dated` * 10000 + HHMM) as [ISO day, HHMM]. */
  function dateOf(value, dated) {
    const [y, m, d] = dated.split("-").map(Number);
    const day = new Date(Date.UTC(y, m - 1, d + Math.floor(value / 10000)));
    return [day.toISOString().slice(0, 10), value % 10000];
  }

  /* Which checked dates (ISO, compared as strings) are stale or hidden on `iso`, by the catalog's rules. */
  function freshness(iso, rules) {
    return { today: iso, staleSince: monthsBefore(iso, rules.stale_months), hiddenSince: monthsBefore(iso, rules.hidden_months) };
  }

  // The server's tenths(): the same operations in the same order.
  function tenths(lat1, lon1, lat2, lon2, earthRadiusKm) {
    const p1 = lat1 * DEGREE;
    const p2 = lat2 * DEGREE;
    const a = Math.sin((p2 - p1) / 2);
    const b = Math.sin(((lon2 - lon1) * DEGREE) / 2);
    const h = a * a + Math.cos(p1) * Math.cos(p2) * b * b;
    const t = 2 * earthRadiusKm * Math.asin(Math.sqrt(h)) * 10;
    const r = Math.floor(t);
    return t - r >= 0.5 ? r + 1 : r;
  }

  // Bit i of `bits` says the listing has values[i]; division keeps it exact up to 53 values (worker.py).
  function bitsToKeys(bits, values) {
    return values.filter((_, i) => Math.floor(bits / 2 ** i) % 2 === 1);
  }

  /* Prepare a catalog once: each listing's facet values, words and location. */
  function prepare(catalog, placeList) {
    const facets = catalog.facets;
    const keys = { country: catalog.countries };
    for (const f of facets) keys[f.param] = f.values;
    const places = new Map(placeList.map((p) => [p[0], { id: p[0], country: p[1], name: p[2], lat: p[3], lon: p[4], names: p[5], words: p[6] }]));
    const items = catalog.items.map((fields, rank) => {
      const row = Object.fromEntries(catalog.fields.map((name, i) => [name, fields[i]]));
      const place = places.get(row.place) || null;
      const g = {
        rank, id: row.id, name: row.name, city: row.city, checked: row.checked, place,
        kind: keys.kind[row.kind],
        format: row.format < 0 ? null : keys.format[row.format],
        themes: bitsToKeys(row.themes, keys.theme),
        country: catalog.countries[row.country],
        // Where it meets: a place id (its coordinates are in the places list) or [lat, lon].
        points: row.points.map((p) => (typeof p === "string" ? [places.get(p).lat, places.get(p).lon] : p)),
        // With two points or more, each one's town: the town the data writes, or its Kring place.
        towns: row.towns.map(([city, id]) => city || places.get(id) || null),
        meetings: row.meetings, dates: row.dates,
        facets: {},
      };
      facets.forEach((f, i) => { g.facets[f.param] = bitsToKeys(row.facets[i], f.values); });
      const all = row.words ? row.words.split(" ") : [];
      if (place) all.push(...place.words.split(" "));
      for (const f of facets) {
        if (f.words) for (const v of g.facets[f.param]) all.push(...f.words[v].split(" "));
      }
      g.words = Array.from(new Set(all.filter(Boolean)));
      return g;
    });
    return { version: catalog.version, date: catalog.date, dated: catalog.dated, rules: catalog.rules, facets, keys, items, places };
  }

  /* Read the filter parameters as the server does, keeping the valid values. `isCode` says whether a
     value is an ISO 639-1 code, for an open facet. */
  function parse(params, prepared, isCode) {
    const rules = prepared.rules;
    const byParam = new Map(prepared.facets.map((facet) => [facet.param, facet]));
    const f = { q: "", near: null, within: null, soon: null, order: rules.orders[0], defaultOrder: rules.orders[0], page: 1, params: prepared.facets.map((facet) => facet.param) };
    for (const p of f.params) f[p] = [];
    const single = {};
    for (const [key, raw] of params) {
      const value = raw.trim();
      const facet = byParam.get(key);
      if (facet) {
        if (!value) continue;
        const ok = facet.values.includes(value) || (facet.open && isCode(value));
        if (ok && !f[key].includes(value)) f[key].push(value);
      } else if (["q", "near", "within", "soon", "order", "page"].includes(key) && !(key in single)) {
        single[key] = value;
      }
    }
    f.q = (single.q || "").length > rules.max_query_length ? "" : single.q || "";
    f.near = single.near && prepared.places.has(single.near) ? single.near : null;
    if (single.within && /^\d+$/.test(single.within) && rules.within_choices.includes(Number(single.within))) {
      f.within = f.near ? Number(single.within) : null;
    }
    if (single.soon && /^\d{1,9}$/.test(single.soon) && Number(single.soon) >= 1 && Number(single.soon) <= rules.window_days) {
      f.soon = Number(single.soon);
    }
    if (single.order && rules.orders.includes(single.order)) f.order = single.order;
    if (single.page && /^\d+$/.test(single.page) && Number(single.page) >= 1 && Number(single.page) <= rules.max_page) {
      f.page = Number(single.page);
    }
    f.queryWords = Array.from(new Set(words(f.q, rules.spelled_out))).slice(0, rules.max_query_words);
    f.radius = f.within || rules.default_within;
    return f;
  }

  /* `day` is freshness(today()) unless given (tests pass their own). */
  function search(prepared, f, day = freshness(today(), prepared.rules)) {
    const rules = prepared.rules;
    const place = f.near ? prepared.places.get(f.near) : null;
    const distance = new Map();
    // Each listing's first date from today on (the catalog's dates start on its own day, `dated`).
    const from = daysBetween(prepared.dated, day.today) * 10000;
    const next = new Map();
    for (const g of prepared.items) {
      const later = g.dates.find((v) => v >= from);
      if (later !== undefined) next.set(g.rank, later);
    }
    // Each listing: which constraints it meets (a facet's counts use all constraints but its own).
    const checks = [];
    for (const facet of prepared.facets) {
      const chosen = f[facet.param];
      if (!chosen.length) continue;
      checks.push([facet.param, facet.rule === "all"
        ? (g) => chosen.every((v) => g.facets[facet.param].includes(v))
        : (g) => chosen.some((v) => g.facets[facet.param].includes(v))]);
    }
    if (f.queryWords.length) {
      checks.push(["q", (g) => f.queryWords.every((q) => g.words.some((w) => w.startsWith(q)))]);
    }
    if (place) {
      checks.push(["near", (g) => {
        if (!g.points.length) return false;
        // Meetings in several places: the nearest counts.
        const d = Math.min(...g.points.map(([lat, lon]) => tenths(place.lat, place.lon, lat, lon, rules.earth_radius_km)));
        distance.set(g.rank, d);
        return d <= f.radius * 10;
      }]);
    }
    if (f.soon) {
      checks.push(["soon", (g) => next.has(g.rank) && next.get(g.rank) < from + f.soon * 10000]);
    }
    const counted = prepared.facets.filter((facet) => facet.counted);
    const counts = {};
    for (const facet of counted) counts[facet.param] = {};
    const matched = [];
    const stale = new Set();
    for (const g of prepared.items) {
      // Hidden listings are in no result and no count, until someone checks them again.
      if (g.checked <= day.hiddenSince) continue;
      if (g.checked <= day.staleSince) stale.add(g.rank);
      const failed = checks.filter(([, test]) => !test(g)).map(([p]) => p);
      if (!failed.length) matched.push(g);
      for (const facet of counted) {
        // Counted for a facet when it meets every other constraint (and, for an "all" facet, this one too).
        const relevant = facet.rule === "all" ? failed : failed.filter((q) => q !== facet.param);
        if (relevant.length) continue;
        for (const v of g.facets[facet.param]) counts[facet.param][v] = (counts[facet.param][v] || 0) + 1;
      }
    }
    // Order: (stale, next date with order=next, rounded distance when near is given, rank), as the server's.
    const staleness = (g) => (stale.has(g.rank) ? 1 : 0);
    const byDate = f.order === "next";
    const nextOf = (g) => (next.has(g.rank) ? next.get(g.rank) : Infinity);
    const compareDates = (a, b) => (nextOf(a) === nextOf(b) ? 0 : nextOf(a) < nextOf(b) ? -1 : 1);
    matched.sort((a, b) => staleness(a) - staleness(b)
      || (byDate ? compareDates(a, b) : 0)
      || (place ? distance.get(a.rank) - distance.get(b.rank) : 0) || a.rank - b.rank);
    const total = matched.length;
    const start = (f.page - 1) * rules.per_page;
    const items = matched.slice(start, start + rules.per_page).map((g) => [g, place ? distance.get(g.rank) / 10 : null]);
    return { total, pages: Math.max(1, Math.ceil(total / rules.per_page)), items, counts, stale, next };
  }

  /* Near a place, the town of the nearest point that has one (the first of equally near ones); null when the
     listing meets in one place or no point has a town (server: Listing.nearest_town). */
  function nearestTown(g, place, lang, earthRadiusKm) {
    let best = null;
    g.towns.forEach((town, i) => {
      const name = typeof town === "string" ? town : town ? town.names[lang] || town.name : "";
      if (!name) return;
      const d = tenths(place.lat, place.lon, g.points[i][0], g.points[i][1], earthRadiusKm);
      if (best === null || d < best[0]) best = [d, name];
    });
    return best ? best[1] : null;
  }

  /* The canonical query string of the filters (server: Filters.to_params). */
  function toParams(f, page) {
    const out = [];
    if (f.q) out.push(["q", f.q]);
    for (const p of f.params) for (const v of f[p]) out.push([p, v]);
    if (f.near) {
      out.push(["near", f.near]);
      if (f.within) out.push(["within", String(f.within)]);
    }
    if (f.soon) out.push(["soon", String(f.soon)]);
    if (f.order && f.order !== f.defaultOrder) out.push(["order", f.order]);
    const n = page === undefined ? f.page : page;
    if (n > 1) out.push(["page", String(n)]);
    return new URLSearchParams(out).toString();
  }

  return { normalise, words, tenths, today, monthsBefore, freshness, daysBetween, dateOf, prepare, parse, search, nearestTown, toParams };
})();

if (typeof module !== "undefined") module.exports = KringSearch;
