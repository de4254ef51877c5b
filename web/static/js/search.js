/* Kring's search rules (server/search.py) applied to the offline catalog (server/worker.py).
   Same normalisation, words, filters, counts and order as the server, so the worker answers a results
   request offline with exactly the ids the server would give for the same data version. */
"use strict";

const KringSearch = (() => {
  const PER_PAGE = 20;
  const MAX_PAGE = 10000;
  const MAX_QUERY_LENGTH = 100;
  const MAX_QUERY_WORDS = 8;
  const WITHIN_CHOICES = [5, 10, 25, 50, 100];
  const DEFAULT_WITHIN = 25;
  const LIST_PARAMS = ["kind", "theme", "format", "lang", "led_by", "cost", "access", "audience", "membership"];
  const ALL_OF = new Set(["access"]);
  const SPELLED_OUT = { "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "þ": "th" };
  const STALE_MONTHS = 12;
  const HIDDEN_MONTHS = 18;
  const TODAY = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Brussels" });
  const EARTH_RADIUS_KM = 6371.0088;
  const DEGREE = Math.PI / 180;

  function normalise(text) {
    const lower = text.toLowerCase().replace(/[ßæœøłđþ]/g, (c) => SPELLED_OUT[c]);
    return lower.normalize("NFKD").replace(/\p{M}/gu, "");
  }

  function words(text) {
    return normalise(text).match(/[a-z0-9]+/g) || [];
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

  /* Which checked dates (ISO, compared as strings) are stale or hidden on `iso`. */
  function freshness(iso) {
    return { today: iso, staleSince: monthsBefore(iso, STALE_MONTHS), hiddenSince: monthsBefore(iso, HIDDEN_MONTHS) };
  }

  // The server's tenths(): the same operations in the same order.
  function tenths(lat1, lon1, lat2, lon2) {
    const p1 = lat1 * DEGREE;
    const p2 = lat2 * DEGREE;
    const a = Math.sin((p2 - p1) / 2);
    const b = Math.sin(((lon2 - lon1) * DEGREE) / 2);
    const h = a * a + Math.cos(p1) * Math.cos(p2) * b * b;
    const t = 2 * EARTH_RADIUS_KM * Math.asin(Math.sqrt(h)) * 10;
    const r = Math.floor(t);
    return t - r >= 0.5 ? r + 1 : r;
  }

  function bitsToKeys(bits, keys) {
    return keys.filter((_, i) => bits & (1 << i));
  }

  /* Prepare a catalog once: each listing's facet values, words and location. */
  function prepare(catalog, placeList) {
    const keys = catalog.keys;
    const places = new Map(placeList.map((p) => [p[0], { id: p[0], country: p[1], name: p[2], lat: p[3], lon: p[4], names: p[5], words: p[6] }]));
    const items = catalog.items.map((row, rank) => {
      const [id, name, kind, format, themes, audience, access, languages, ledBy, cost, membership, placeId, lat, lon, city, country, checked, own] = row;
      const place = places.get(placeId) || null;
      const g = {
        rank, id, name, city, checked, place,
        kind: keys.kind[kind],
        format: format < 0 ? null : keys.format[format],
        themes: bitsToKeys(themes, keys.theme),
        audience: bitsToKeys(audience, keys.audience),
        access: bitsToKeys(access, keys.access),
        languages: languages ? languages.split(" ") : [],
        led_by: ledBy < 0 ? null : keys.led_by[ledBy],
        cost: cost < 0 ? null : keys.cost[cost],
        membership: membership < 0 ? null : keys.membership[membership],
        country: keys.country[country],
        lat: lat !== null ? lat : place ? place.lat : null,
        lon: lon !== null ? lon : place ? place.lon : null,
      };
      const all = own ? own.split(" ") : [];
      if (place) all.push(...place.words.split(" "));
      for (const [param, values] of [["kind", [g.kind]], ["theme", g.themes], ["audience", g.audience]]) {
        for (const v of values) all.push(...catalog.labels[param][v].split(" "));
      }
      g.words = Array.from(new Set(all.filter(Boolean)));
      g.facets = {
        kind: [g.kind],
        theme: g.themes,
        format: g.format === "hybrid" ? ["hybrid", "online", "in_person"] : g.format ? [g.format] : [],
        lang: g.languages,
        led_by: g.led_by ? [g.led_by] : [],
        cost: g.cost ? [g.cost] : [],
        access: g.access,
        audience: g.audience,
        membership: g.membership ? [g.membership] : [],
      };
      return g;
    });
    const spoken = new Set(items.flatMap((g) => g.languages));
    return { version: catalog.version, date: catalog.date, keys, items, places, spoken };
  }

  /* Read the filter parameters as the server does, keeping the valid values. */
  function parse(params, prepared, languageCodes) {
    const f = { q: "", near: null, within: null, page: 1 };
    for (const p of LIST_PARAMS) f[p] = [];
    const single = {};
    for (const [key, raw] of params) {
      const value = raw.trim();
      if (LIST_PARAMS.includes(key)) {
        if (!value) continue;
        const ok = key === "lang" ? languageCodes(value) : prepared.keys[key].includes(value);
        if (ok && !f[key].includes(value)) f[key].push(value);
      } else if (["q", "near", "within", "page"].includes(key) && !(key in single)) {
        single[key] = value;
      }
    }
    f.q = (single.q || "").length > MAX_QUERY_LENGTH ? "" : single.q || "";
    f.near = single.near && prepared.places.has(single.near) ? single.near : null;
    if (single.within && /^\d+$/.test(single.within) && WITHIN_CHOICES.includes(Number(single.within))) {
      f.within = f.near ? Number(single.within) : null;
    }
    if (single.page && /^\d+$/.test(single.page) && Number(single.page) >= 1 && Number(single.page) <= MAX_PAGE) {
      f.page = Number(single.page);
    }
    f.queryWords = Array.from(new Set(words(f.q))).slice(0, MAX_QUERY_WORDS);
    f.radius = f.within || DEFAULT_WITHIN;
    return f;
  }

  /* `day` is freshness(today()) unless given (tests pass their own). */
  function search(prepared, f, day = freshness(today())) {
    const place = f.near ? prepared.places.get(f.near) : null;
    const distance = new Map();
    // Each listing: which constraints it meets (a facet's counts use all constraints but its own).
    const checks = [];
    for (const p of LIST_PARAMS) {
      const chosen = f[p];
      if (!chosen.length) continue;
      checks.push([p, ALL_OF.has(p)
        ? (g) => chosen.every((v) => g.facets[p].includes(v))
        : (g) => chosen.some((v) => g.facets[p].includes(v))]);
    }
    if (f.queryWords.length) {
      checks.push(["q", (g) => f.queryWords.every((q) => g.words.some((w) => w.startsWith(q)))]);
    }
    if (place) {
      checks.push(["near", (g) => {
        if (g.lat === null || g.lon === null) return false;
        const d = tenths(place.lat, place.lon, g.lat, g.lon);
        distance.set(g.rank, d);
        return d <= f.radius * 10;
      }]);
    }
    const counts = {};
    for (const p of LIST_PARAMS) counts[p] = {};
    const matched = [];
    const stale = new Set();
    for (const g of prepared.items) {
      // Hidden listings are in no result and no count, until someone checks them again.
      if (g.checked <= day.hiddenSince) continue;
      if (g.checked <= day.staleSince) stale.add(g.rank);
      const failed = checks.filter(([, test]) => !test(g)).map(([p]) => p);
      if (!failed.length) matched.push(g);
      for (const p of LIST_PARAMS) {
        // Counted for facet p when it meets every other constraint (and, for `access`, this one too).
        const relevant = ALL_OF.has(p) ? failed : failed.filter((q) => q !== p);
        if (relevant.length) continue;
        for (const v of g.facets[p]) counts[p][v] = (counts[p][v] || 0) + 1;
      }
    }
    // Order: (stale, rounded distance when near is given, rank), as the server's.
    const staleness = (g) => (stale.has(g.rank) ? 1 : 0);
    matched.sort((a, b) => staleness(a) - staleness(b)
      || (place ? distance.get(a.rank) - distance.get(b.rank) : 0) || a.rank - b.rank);
    const total = matched.length;
    const start = (f.page - 1) * PER_PAGE;
    const items = matched.slice(start, start + PER_PAGE).map((g) => [g, place ? distance.get(g.rank) / 10 : null]);
    return { total, pages: Math.max(1, Math.ceil(total / PER_PAGE)), items, counts, stale };
  }

  /* The canonical query string of the filters (server: Filters.to_params). */
  function toParams(f, page) {
    const out = [];
    if (f.q) out.push(["q", f.q]);
    for (const p of LIST_PARAMS) for (const v of f[p]) out.push([p, v]);
    if (f.near) {
      out.push(["near", f.near]);
      if (f.within) out.push(["within", String(f.within)]);
    }
    const n = page === undefined ? f.page : page;
    if (n > 1) out.push(["page", String(n)]);
    return new URLSearchParams(out).toString();
  }

  return { normalise, words, tenths, today, monthsBefore, freshness, prepare, parse, search, toParams, LIST_PARAMS, PER_PAGE };
})();

if (typeof module !== "undefined") module.exports = KringSearch;
