// The analyst's page: sign in with an API key; brief a report and read the brief beside the
// report with every item's evidence highlighted; browse the stored reports and digests; edit
// digest schedules; ask the reports in a chat whose citations open the cited span. Plain
// JavaScript, no build step, no CDN: it works offline under the page's strict CSP.
"use strict";

const KEY = "briefing.key";
const $ = (id) => document.getElementById(id);
let current = null; // the brief on view: {briefId, brief, text}

// -- talking to the service -------------------------------------------------------------

async function api(path, options = {}) {
  const headers = new Headers(options.headers || {});
  headers.set("Authorization", `Bearer ${sessionStorage.getItem(KEY) || ""}`);
  const response = await fetch(path, { ...options, headers });
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      const body = await response.json();
      // problem+json (RFC 9457), or OpenAI's error body on the chat routes
      message = body.error?.message || [body.title, body.detail].filter(Boolean).join(": ") || message;
    } catch (_) { /* not a JSON body */ }
    const error = new Error(message);
    error.status = response.status;
    throw error;
  }
  return response;
}

const getJSON = async (path, options) => (await api(path, options)).json();
const postJSON = (path, body, method = "POST") =>
  api(path, { method, headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const list = (value) => value.split(",").map((t) => t.trim()).filter(Boolean);
const when = (iso) => (iso ? new Date(iso).toLocaleString() : "—");
// A resolved date as a reader says it, as briefing/render/markdown.py period(): a day, a
// whole month "2009-11", a whole year "2009", whole years "1991 to 1998", else a range.
function period(start, end) {
  if (!start) return "";
  if (!end || end === start) return start;
  const [y1, m1, d1] = start.split("-").map(Number);
  const [y2, m2, d2] = end.split("-").map(Number);
  if (m1 === 1 && d1 === 1 && m2 === 12 && d2 === 31) return y1 === y2 ? `${y1}` : `${y1} to ${y2}`;
  const lastDay = new Date(Date.UTC(y2, m2, 0)).getUTCDate();
  if (y1 === y2 && m1 === m2 && d1 === 1 && d2 === lastDay) return start.slice(0, 7);
  return `${start} to ${end}`;
}

/** An element with text children (never HTML). */
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "on") for (const [type, fn] of Object.entries(value)) node.addEventListener(type, fn);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function showProblem(error) {
  const box = $("problem");
  box.textContent = error ? error.message : "";
  box.hidden = !error;
}

function say(text) {
  $("progress").textContent = text;
}

/** Run an action from a control: problems shown, the control disabled meanwhile. */
async function act(control, work) {
  showProblem(null);
  if (control) control.disabled = true;
  try {
    await work();
  } catch (error) {
    say("");
    showProblem(error);
  } finally {
    if (control) control.disabled = false;
  }
}

// -- signing in and views ---------------------------------------------------------------

function signedIn(yes) {
  $("views").hidden = !yes;
  $("signout").hidden = !yes;
  $("key").hidden = yes;
  document.querySelector("label[for=key]").hidden = yes;
  document.querySelector("#signin button[type=submit]").hidden = yes;
  $("who").textContent = yes ? "Signed in." : "";
  if (yes) show("compose");
  else document.querySelectorAll(".view").forEach((v) => { v.hidden = true; });
}

async function signIn(key) {
  sessionStorage.setItem(KEY, key);
  try {
    await api("/v1/reports?limit=1");
    signedIn(true);
  } catch (error) {
    sessionStorage.removeItem(KEY);
    signedIn(false);
    $("who").textContent = error.status === 401
      ? "That API key is unknown, expired or revoked."
      : `Cannot sign in: ${error.message}`;
  }
}

const LOADERS = {
  reports: () => loadReports(true),
  digests: () => loadDigests(true),
  schedules: () => loadSchedules(),
  chat: () => $("question").focus(),
};

function show(view) {
  showProblem(null);
  document.querySelectorAll(".view").forEach((v) => { v.hidden = v.id !== view; });
  document.querySelectorAll("#views button").forEach((b) => {
    if (b.dataset.view === view) b.setAttribute("aria-current", "page");
    else b.removeAttribute("aria-current");
  });
  const load = LOADERS[view];
  if (load) Promise.resolve(load()).catch(showProblem);
}

/** Mark ``table`` busy while ``work`` refills it (assistive technology waits for it). */
async function refilling(table, work) {
  table.setAttribute("aria-busy", "true");
  try {
    return await work();
  } finally {
    table.removeAttribute("aria-busy");
  }
}

// -- briefing a report ------------------------------------------------------------------

async function briefReport(event) {
  event.preventDefault();
  await act($("brief-button"), async () => {
    say("Storing the report…");
    const reportId = await storeReport();
    await briefStored(reportId);
  });
}

/** Brief a stored report (a cached brief comes back at once) and show it. */
async function briefStored(reportId) {
  say("Briefing…");
  const answer = await postJSON("/v1/briefs", { report_id: reportId });
  let briefId;
  if (answer.status === 202) {
    briefId = await waitForJob((await answer.json()).id);
  } else {
    briefId = answer.headers.get("Location")?.split("/").pop() || (await answer.json()).id;
  }
  await openBrief(briefId, reportId);
  say("Done.");
}

async function storeReport() {
  const file = $("file").files[0];
  const meta = {
    title: $("title").value || null,
    source: $("source").value || null,
    published_at: $("published").value || null,
    tags: list($("tags").value),
  };
  let response;
  if (file) {
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(meta)) {
      if (Array.isArray(v)) v.forEach((t) => query.append(k, t));
      else if (v) query.set(k, v);
    }
    const form = new FormData();
    form.append("file", file);
    response = await api(`/v1/reports?${query}`, { method: "POST", body: form });
  } else {
    const text = $("text").value;
    if (!text.trim()) throw new Error("Paste a report or choose a file.");
    response = await postJSON("/v1/reports", { text, ...meta });
  }
  return (await response.json()).id;
}

async function waitForJob(jobId) {
  const started = Date.now();
  for (;;) {
    const job = await getJSON(`/v1/jobs/${jobId}`);
    say(`Brief job ${job.status} (${Math.round((Date.now() - started) / 1000)} s)…`);
    if (job.status === "succeeded") return job.brief_id;
    if (job.status === "failed") {
      throw new Error(job.error ? `${job.error.title}: ${job.error.detail}` : "The job failed.");
    }
    await sleep(1000);
  }
}

async function openBrief(briefId, reportId) {
  const brief = await getJSON(`/v1/briefs/${briefId}`);
  const report = await getJSON(`/v1/reports/${reportId}`);
  current = { briefId, brief, text: report.text };
  render(brief, report.text);
  show("brief");
}

// -- rendering ------------------------------------------------------------------------

function items(brief) {
  const out = [];
  const add = (section, id, label, meta, evidence) =>
    out.push({ section, id, label, meta, evidence: evidence || [] });
  add("Bottom line", "B", brief.bluf, "", brief.bluf_evidence);
  brief.actors.forEach((a) =>
    add("Actors", `A-${a.id}`, a.name, [a.kind, a.role, a.affiliation].filter(Boolean).join(" · "), a.evidence));
  brief.developments.forEach((d, i) =>
    add("Timeline", `D${i + 1}`, d.what, [period(d.when, d.when_end), d.when_text && `“${d.when_text}”`, d.where].filter(Boolean).join(" · "), d.evidence));
  brief.claims.forEach((c, i) =>
    add("Claims", `C${i + 1}`, c.statement,
      `${c.chain} ${c.reporting_verb} · credibility ${c.credibility}${c.corroborated_by.length ? ` · corroborated by ${c.corroborated_by.join(", ")}` : ""}`,
      c.evidence));
  brief.uncertainties.forEach((u, i) =>
    add("Uncertainties", `U${i + 1}`, u.what,
      [u.likelihood && `${u.likelihood}${u.likelihood_band ? ` (${u.likelihood_band})` : ""}`, `confidence ${u.confidence}`, u.why].filter(Boolean).join(" · "),
      u.evidence));
  brief.sources.forEach((s, i) =>
    add("Sources", `S${i + 1}`, `${s.name} — ${s.reliability}`, [s.kind, s.side, s.rationale].filter(Boolean).join(" · "), s.evidence));
  return out;
}

function render(brief, text) {
  const list = items(brief);
  const column = $("items");
  column.replaceChildren();
  let section = null;
  let ul = null;
  for (const item of list) {
    if (item.section !== section) {
      section = item.section;
      const h = document.createElement("h3");
      h.textContent = section;
      ul = document.createElement("ul");
      column.append(h, ul);
    }
    const li = el("li", { "data-item": item.id },
      el("button", {
        type: "button", class: "item",
        on: { click: () => select(item.id) },
      },
      el("span", { class: item.id === "B" ? "bluf" : null }, item.label),
      item.meta ? el("span", { class: "meta" }, item.meta) : null,
      el("span", { class: "sr-only" }, " (show its evidence)")));
    ul.append(li);
  }
  for (const warning of brief.quality.warnings) {
    const p = document.createElement("p");
    p.className = "warning";
    p.textContent = `⚠ ${warning}`;
    column.append(p);
  }
  highlight(text, list);
  $("brief-title").textContent = brief.report.title || "Brief";
  $("brief-meta").textContent = reportFacts(brief.report);
}

// When, from whom and where, as the Markdown rendering says it: a report without a published
// date is dated by its dateline when it has one.
function reportFacts(meta) {
  const when = meta.published ? `published ${meta.published}`
    : meta.dated ? `dated ${meta.dated} by its dateline` : null;
  return [when, meta.source, meta.url].filter(Boolean).join(" · ");
}

function highlight(text, list) {
  // Cut the text at every evidence boundary; each piece knows the items citing it.
  const cuts = new Set([0, text.length]);
  for (const item of list) for (const span of item.evidence) { cuts.add(span.start); cuts.add(span.end); }
  const points = [...cuts].sort((a, b) => a - b);
  const article = $("report");
  article.replaceChildren();
  for (let i = 0; i < points.length - 1; i++) {
    const [start, end] = [points[i], points[i + 1]];
    const citing = list.filter((item) => item.evidence.some((s) => s.start <= start && end <= s.end));
    const piece = document.createElement("span");
    piece.textContent = text.slice(start, end);
    if (citing.length) {
      piece.className = "hl";
      piece.dataset.items = citing.map((c) => c.id).join(" ");
      piece.dataset.start = String(start);
      piece.title = citing.map((c) => `${c.section}: ${c.label}`).join("\n");
    }
    article.append(piece);
  }
}

function select(itemId) {
  document.querySelectorAll("#items li.selected").forEach((li) => li.classList.remove("selected"));
  document.querySelector(`#items li[data-item="${itemId}"]`)?.classList.add("selected");
  const pieces = [...document.querySelectorAll("#report .hl")];
  let first = null;
  for (const piece of pieces) {
    const on = piece.dataset.items.split(" ").includes(itemId);
    piece.classList.toggle("active", on);
    if (on && !first) first = piece;
  }
  first?.scrollIntoView({ block: "center" });
}

async function exportBrief(kind) {
  if (!current) return;
  const accept = { json: "application/json", md: "text/markdown", html: "text/html" }[kind];
  const body = await (await api(`/v1/briefs/${current.briefId}`, { headers: { Accept: accept } })).blob();
  const link = document.createElement("a");
  link.href = URL.createObjectURL(body);
  link.download = `brief-${current.briefId}.${kind}`;
  link.click();
  URL.revokeObjectURL(link.href);
}

// -- a report at a cited span -----------------------------------------------------------

/** Open a stored report in the viewer with [start, end) marked and scrolled into view. */
async function openSpan(reportId, start, end) {
  const report = await getJSON(`/v1/reports/${encodeURIComponent(reportId)}`);
  $("viewer-title").textContent = report.title || report.source || `Report ${report.id}`;
  $("viewer-meta").textContent = [report.source, report.published_at, `characters ${start}–${end}`]
    .filter(Boolean).join(" · ");
  const mark = el("mark", { class: "hl active", id: "cited" }, report.text.slice(start, end));
  $("viewer-text").replaceChildren(report.text.slice(0, start), mark, report.text.slice(end));
  const dialog = $("viewer");
  if (!dialog.open) dialog.showModal();
  mark.scrollIntoView({ block: "center" });
}

function reportName(reports, reportId) {
  const report = reports?.get(reportId);
  return report?.title || report?.source || `report ${reportId.slice(0, 8)}`;
}

function evidenceButtons(evidence, reports) {
  return evidence.map((e) => {
    const name = reportName(reports, e.report_id);
    const quote = e.text.length > 90 ? `${e.text.slice(0, 87)}…` : e.text;
    return el("button", {
      type: "button", class: "evidence", "data-report": e.report_id, "data-start": e.start, "data-end": e.end,
      "aria-label": `Evidence in ${name}: ${quote}`,
      on: { click: (ev) => act(ev.currentTarget, () => openSpan(e.report_id, e.start, e.end)) },
    }, `“${quote}”`);
  });
}

// -- reports ------------------------------------------------------------------------------

const reportPages = { cursors: [null], index: 0, next: null };

async function loadReports(reset = false) {
  return refilling($("report-table"), async () => {
    if (reset) Object.assign(reportPages, { cursors: [null], index: 0 });
    const query = new URLSearchParams({ limit: "20" });
    const fields = { q: "rq", source: "rsource", tag: "rtag", published_from: "rfrom", published_to: "rto" };
    for (const [name, id] of Object.entries(fields)) if ($(id).value.trim()) query.set(name, $(id).value.trim());
    const cursor = reportPages.cursors[reportPages.index];
    if (cursor) query.set("cursor", cursor);
    const page = await getJSON(`/v1/reports?${query}`);
    reportPages.next = page.next_cursor;
    const rows = page.items.map((r) => el("tr", {},
      el("td", {}, r.title || el("span", { class: "muted" }, `untitled ${r.id.slice(0, 8)}`)),
      el("td", {}, r.source || ""),
      el("td", {}, r.published_at || ""),
      el("td", {}, r.tags.join(", ")),
      el("td", { class: "num" }, r.chars.toLocaleString()),
      el("td", {}, el("button", {
        type: "button", "data-report": r.id, "aria-label": `Open the brief of ${r.title || r.id}`,
        on: { click: (e) => act(e.currentTarget, () => briefStored(r.id)) },
      }, "Open")),
    ));
    if (!rows.length) rows.push(el("tr", {}, el("td", { colspan: 6 }, "No reports match.")));
    $("report-table").tBodies[0].replaceChildren(...rows);
    $("reports-prev").disabled = reportPages.index === 0;
    $("reports-next").disabled = !page.next_cursor;
  });
}

// -- digests ------------------------------------------------------------------------------

const digestPages = { offset: 0, next: null };
let scheduleNames = new Map();

async function loadScheduleNames() {
  const schedules = await getJSON("/v1/digest-schedules");
  scheduleNames = new Map(schedules.map((s) => [s.id, s.name]));
  const select = $("dschedule");
  const chosen = select.value;
  select.replaceChildren(el("option", { value: "" }, "All digests"),
    ...schedules.map((s) => el("option", { value: s.id }, s.name)));
  select.value = scheduleNames.has(chosen) ? chosen : "";
  return schedules;
}

async function loadDigests(reset = false) {
  return refilling($("digest-table"), async () => {
    if (reset) digestPages.offset = 0;
    await loadScheduleNames();
    const query = new URLSearchParams({ limit: "20", offset: String(digestPages.offset) });
    if ($("dschedule").value) query.set("schedule_id", $("dschedule").value);
    if ($("ddate").value) query.set("date", $("ddate").value);
    const page = await getJSON(`/v1/digests?${query}`);
    digestPages.next = page.next_offset;
    const rows = page.items.map((d) => el("tr", {},
      el("td", {}, `${when(d.since)} – ${when(d.until)}`),
      el("td", {}, d.schedule_id ? scheduleNames.get(d.schedule_id) || d.schedule_id : "on demand"),
      el("td", {}, d.status + (d.empty ? " (no reports)" : "")),
      el("td", { class: "num" }, d.events ?? ""),
      el("td", {}, el("button", {
        type: "button", "data-digest": d.id, disabled: d.status !== "succeeded",
        "aria-label": `Open the digest of ${when(d.since)} to ${when(d.until)}`,
        on: { click: (e) => act(e.currentTarget, () => openDigest(d.id)) },
      }, "Open")),
    ));
    if (!rows.length) rows.push(el("tr", {}, el("td", { colspan: 5 }, "No digests yet.")));
    $("digest-table").tBodies[0].replaceChildren(...rows);
    $("digests-prev").disabled = digestPages.offset === 0;
    $("digests-next").disabled = page.next_offset === null;
  });
}

async function runDigest(event) {
  event.preventDefault();
  await act($("digest-button"), async () => {
    const iso = (id) => ($(id).value ? new Date($(id).value).toISOString() : null);
    const filters = { tags: list($("dtags").value), sources: list($("dsources").value) };
    if ($("dquery").value.trim()) filters.query = $("dquery").value.trim();
    say("Queuing the digest…");
    const status = await (await postJSON("/v1/digests", { since: iso("dsince"), until: iso("duntil"), filters })).json();
    await openDigest(status.id);
    await loadDigests(true);
  });
}

/** Show a digest, waiting for it while its job runs. */
async function openDigest(digestId) {
  const started = Date.now();
  for (;;) {
    const response = await api(`/v1/digests/${digestId}`);
    const body = await response.json();
    if (response.status === 200) {
      renderDigest(body);
      say("");
      return;
    }
    const seconds = Math.round((Date.now() - started) / 1000);
    say(`Digest ${body.status}${body.progress ? `: ${body.progress}` : ""} (${seconds} s)…`);
    await sleep(1000);
  }
}

const CHANGES = {
  new_event: "New event", new_developments: "New developments", credibility_moved: "Credibility moved",
  likelihood_moved: "Likelihood moved", uncertainty_resolved: "Uncertainty resolved", faded: "Fading",
};

function renderDigest(d) {
  const reports = new Map(d.reports.map((r) => [r.id, r]));
  const view = $("digest-view");
  const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;
  const parts = [
    el("h3", { id: "digest-title" }, `Digest of ${when(d.window.since)} – ${when(d.window.until)}`),
    el("p", { class: "meta" }, [
      plural(d.reports.length, "report", "reports"), plural(d.events.length, "event", "events"),
      `model ${d.provenance.model}`, `prompts ${Object.entries(d.provenance.prompt_versions).map(([k, v]) => `${k} ${v}`).join(", ")}`,
    ].join(" · ")),
  ];
  if (d.empty) parts.push(el("p", { class: "notice" }, "No reports in this window."));
  parts.push(el("p", { class: "bluf digest-bluf" }, d.bluf));
  if (d.changes.length) {
    parts.push(el("h4", {}, "What changed since the previous digest"),
      el("ul", { class: "changes" }, d.changes.map((c) =>
        el("li", {}, el("strong", {}, `${CHANGES[c.kind] || c.kind}: `), `${c.headline} — ${c.detail}`))));
  }
  if (d.continuing.length) {
    parts.push(el("p", { class: "meta" }, `${plural(d.continuing.length, "continuing event", "continuing events")} with nothing new (not repeated).`));
  }
  for (const warning of d.quality.warnings) parts.push(el("p", { class: "warning" }, `⚠ ${warning}`));
  d.events.forEach((event) => parts.push(renderEvent(event, reports)));
  if (d.sources.length) parts.push(el("h4", {}, "All sources"), sourceTable(d.sources));
  view.replaceChildren(...parts);
  view.hidden = false;
  view.querySelector("h3").scrollIntoView({ block: "start" });
}

function renderEvent(event, reports) {
  const id = `event-${event.id}`;
  const families = event.families.length;
  const section = el("section", { class: "event", id, "aria-labelledby": `${id}-h` },
    el("h4", { id: `${id}-h` }, `${event.rank}. ${event.headline} `, el("span", { class: `phase ${event.phase}` }, event.phase)),
    el("p", { class: "meta" }, [
      `${families} independent publisher ${families === 1 ? "family" : "families"}`,
      `${event.originators} originating report${event.originators === 1 ? "" : "s"} of ${event.reports.length}`,
      `first seen ${when(event.first_seen)}`, `last seen ${when(event.last_seen)}`,
      event.places.length && `places: ${event.places.join(", ")}`,
    ].filter(Boolean).join(" · ")),
    el("p", { class: "bluf" }, event.bluf), el("div", { class: "cites" }, evidenceButtons(event.bluf_evidence, reports)),
  );
  if (event.timeline.length) {
    section.append(el("h5", {}, "Timeline"), el("ol", { class: "timeline" }, event.timeline.map((t) => el("li", {},
      el("span", { class: "when" }, t.when ? period(t.when, t.when_end) : t.when_text || "undated"),
      " ", t.what, t.new ? el("span", { class: "badge" }, "new") : null,
      el("span", { class: "meta" }, [t.where, `${t.reports.length} report(s)`, t.families.length && `families: ${t.families.join(", ")}`].filter(Boolean).join(" · ")),
      el("div", { class: "cites" }, evidenceButtons(t.evidence, reports))))));
  }
  if (event.claims.length) {
    section.append(el("h5", {}, "Claims"), el("ul", { class: "claims" }, event.claims.map((c) => el("li", {},
      el("span", { class: "statement" }, c.statement),
      el("span", { class: "meta corroboration" }, c.corroboration > 1
        ? `corroborated by ${c.corroboration} independent originators: ${c.independent_originators.join(", ")}`
        : `single source: ${c.originator}`, ` · best credibility ${c.credibility}`),
      el("ul", { class: "attributions" }, c.attributions.map((a) => el("li", {},
        `${a.chain} ${a.reporting_verb} (credibility ${a.credibility}, in ${reportName(reports, a.report_id)})`,
        el("div", { class: "cites" }, evidenceButtons(a.evidence, reports)))))))));
  }
  if (event.contradictions.length) {
    section.append(el("h5", {}, "Contradictions"), ...event.contradictions.map((c) => el("div", { class: "contradiction" },
      el("p", {}, el("strong", {}, `${c.kind.replaceAll("_", " ")}: `), c.about),
      el("div", { class: "sides" }, c.sides.map((side) => el("div", { class: "side" },
        el("p", { class: "statement" }, side.statement),
        side.value ? el("p", {}, el("strong", {}, "Says: "), side.value) : null,
        el("p", { class: "meta" }, [`${side.source}${side.originator !== side.source ? `, citing ${side.originator}` : ""}`,
          side.family && `family ${side.family}`, side.reliability && `source ${side.reliability}`,
          side.credibility && `credibility ${side.credibility}`].filter(Boolean).join(" · ")),
        el("div", { class: "cites" }, evidenceButtons(side.evidence, reports))))))));
  }
  if (event.uncertainties.length) {
    section.append(el("h5", {}, "Uncertainties"), el("ul", {}, event.uncertainties.map((u) => el("li", {},
      u.what, el("span", { class: "meta" }, [u.likelihood, `confidence ${u.confidence}`, u.why].filter(Boolean).join(" · ")),
      el("div", { class: "cites" }, evidenceButtons(u.evidence, reports))))));
  }
  if (event.sources.length) section.append(el("h5", {}, "Sources"), sourceTable(event.sources));
  return section;
}

function sourceTable(sources) {
  return el("div", { class: "scroll" }, el("table", { class: "sources" },
    el("thead", {}, el("tr", {}, ["Source", "Kind", "Publisher family", "Grade", "Grades given", "Reports", "Why"].map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, sources.map((s) => el("tr", {},
      el("td", {}, s.name), el("td", {}, s.kind), el("td", {}, s.family || ""), el("td", {}, s.reliability),
      el("td", {}, s.grades.join(" ")), el("td", { class: "num" }, s.reports), el("td", {}, s.rationale))))));
}

// -- schedules ----------------------------------------------------------------------------

const TARGETS = {
  webhook: { field: "url", label: "Webhook URL (signed per Standard Webhooks)" },
  slack: { field: "url", label: "Slack incoming-webhook URL" },
  email: { field: "to", label: "E-mail recipients (comma-separated)" },
  folder: { field: "folder", label: "Folder under BRIEFING_DIGEST_DIR" },
};
let editing = null; // the schedule being edited, or null for a new one
let targetCount = 0;

async function loadSchedules() {
  return refilling($("schedule-table"), async () => {
    const schedules = await loadScheduleNames();
    const rows = schedules.map((s) => el("tr", {},
      el("td", {}, s.name, s.enabled ? "" : el("span", { class: "badge" }, "disabled")),
      el("td", {}, `${s.cron} (${s.timezone})`),
      el("td", {}, `${s.window_hours} h`),
      el("td", {}, when(s.next_run_at)),
      el("td", {}, s.targets.map(describeTarget).join("; ") || "none"),
      el("td", { class: "actions" },
        el("button", { type: "button", "aria-label": `Edit ${s.name}`, on: { click: () => editSchedule(s) } }, "Edit"),
        el("button", { type: "button", "aria-label": `Digests of ${s.name}`, on: { click: () => digestsOf(s.id) } }, "Digests"),
        el("button", { type: "button", "aria-label": `Delete ${s.name}`, on: { click: (e) => deleteSchedule(e.currentTarget, s) } }, "Delete")),
    ));
    if (!rows.length) rows.push(el("tr", {}, el("td", { colspan: 6 }, "No schedules yet.")));
    $("schedule-table").tBodies[0].replaceChildren(...rows);
  });
}

function describeTarget(t) {
  if (t.kind === "email") return `e-mail to ${t.to.join(", ")}`;
  if (t.kind === "folder") return `folder ${t.folder}`;
  return `${t.kind} ${(t.url || "").replace(/^(https?:\/\/[^/]+).*$/, "$1")}/…`;
}

function addTarget(target = { kind: "webhook" }) {
  const n = ++targetCount;
  const kind = el("select", { id: `target-kind-${n}` },
    Object.keys(TARGETS).map((k) => el("option", { value: k }, k)));
  kind.value = target.kind;
  const where = el("input", { id: `target-where-${n}`, class: "where" });
  const spec = TARGETS[target.kind];
  where.value = spec.field === "to" ? (target.to || []).join(", ") : target[spec.field] || "";
  const whereLabel = el("label", { for: where.id }, spec.label);
  kind.addEventListener("change", () => { whereLabel.textContent = TARGETS[kind.value].label; });
  const row = el("div", { class: "target row" },
    el("span", {}, el("label", { for: kind.id }, "Kind"), kind),
    el("span", { class: "grow" }, whereLabel, where),
    el("span", { class: "end" }, el("button", {
      type: "button", "aria-label": `Remove target ${n}`, on: { click: () => row.remove() },
    }, "Remove")));
  $("targets").append(row);
  return where;
}

function collectTargets() {
  return [...document.querySelectorAll("#targets .target")].flatMap((row) => {
    const kind = row.querySelector("select").value;
    const value = row.querySelector("input").value.trim();
    if (!value) return [];
    const field = TARGETS[kind].field;
    return [{ kind, [field]: field === "to" ? list(value) : value }];
  });
}

function editSchedule(schedule) {
  editing = schedule;
  $("schedule-form-title").textContent = schedule ? `Edit schedule: ${schedule.name}` : "New schedule";
  $("schedule-save").textContent = schedule ? "Save changes" : "Create the schedule";
  const s = schedule || { name: "", cron: "0 7 * * *", timezone: "UTC", window_hours: 24, filters: {}, targets: [], enabled: true, deliver_empty: false };
  $("sname").value = s.name;
  $("scron").value = s.cron;
  $("stz").value = s.timezone;
  $("swindow").value = s.window_hours;
  $("stags").value = (s.filters.tags || []).join(", ");
  $("ssources").value = (s.filters.sources || []).join(", ");
  $("squery").value = s.filters.query || "";
  $("senabled").checked = s.enabled;
  $("sempty").checked = s.deliver_empty;
  $("targets").replaceChildren();
  targetCount = 0;
  s.targets.forEach((t) => addTarget(t));
  $("sname").focus();
}

async function saveSchedule(event) {
  event.preventDefault();
  await act($("schedule-save"), async () => {
    const filters = { tags: list($("stags").value), sources: list($("ssources").value) };
    if ($("squery").value.trim()) filters.query = $("squery").value.trim();
    const body = {
      name: $("sname").value.trim(), cron: $("scron").value.trim(), timezone: $("stz").value.trim(),
      window_hours: Number($("swindow").value), filters, targets: collectTargets(),
      enabled: $("senabled").checked, deliver_empty: $("sempty").checked,
    };
    const secret = $("secret");
    secret.hidden = true;
    if (editing) {
      await postJSON(`/v1/digest-schedules/${editing.id}`, body, "PATCH");
      say(`Saved “${body.name}”.`);
    } else {
      const created = await (await postJSON("/v1/digest-schedules", body)).json();
      say(`Created “${created.name}”.`);
      secret.replaceChildren("Webhook signing secret (shown once, keep it now): ", el("code", {}, created.webhook_secret));
      secret.hidden = false;
    }
    editSchedule(null);
    await loadSchedules();
  });
}

async function deleteSchedule(button, schedule) {
  if (button.dataset.armed !== "yes") { // two steps: no browser dialog to miss
    button.dataset.armed = "yes";
    button.textContent = "Really delete?";
    return;
  }
  await act(button, async () => {
    await api(`/v1/digest-schedules/${schedule.id}`, { method: "DELETE" });
    say(`Deleted “${schedule.name}”.`);
    if (editing?.id === schedule.id) editSchedule(null);
    await loadSchedules();
  });
}

function digestsOf(scheduleId) {
  show("digests");
  $("dschedule").value = scheduleId;
  loadDigests(true).catch(showProblem);
}

// -- chat ---------------------------------------------------------------------------------

let conversation = []; // what the model saw: {role, content}

async function ask(event) {
  event.preventDefault();
  const question = $("question").value.trim();
  if (!question) return;
  const log = $("chat-log");
  log.append(el("div", { class: "turn user" }, el("p", {}, question)));
  const body = el("p", { class: "body" });
  const turn = el("div", { class: "turn answer", "aria-busy": "true" }, body);
  log.append(turn);
  $("question").value = "";
  await act($("ask"), async () => {
    const messages = [...conversation, { role: "user", content: question }];
    const response = await postJSON("/v1/chat/completions", { model: "briefing", stream: true, messages });
    let text = "";
    let provenance = null;
    for await (const chunk of events(response)) {
      for (const choice of chunk.choices) if (choice.delta.content) text += choice.delta.content;
      if (chunk.briefing) provenance = chunk.briefing;
      body.textContent = text;
    }
    conversation = [...messages, { role: "assistant", content: text }];
    renderAnswer(turn, text, provenance);
  }).finally(() => turn.removeAttribute("aria-busy"));
}

/** The JSON chunks of a server-sent event stream, up to ``[DONE]``. */
async function* events(response) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    buffer += decoder.decode(value || new Uint8Array(), { stream: !done });
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const data = block.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trim()).join("\n");
      if (data === "[DONE]") return;
      if (data) yield JSON.parse(data);
    }
    if (done) return;
  }
}

function renderAnswer(turn, text, provenance) {
  const citations = new Map((provenance?.citations || []).map((c) => [c.marker, c]));
  const footnotes = text.search(/\n\n\[\d+\] [^\n]*(\n\[\d+\] [^\n]*)*$/);
  const prose = footnotes >= 0 && citations.size ? text.slice(0, footnotes) : text;
  const body = el("p", { class: "body" });
  let last = 0;
  for (const match of prose.matchAll(/\[(\d+)\]/g)) {
    const citation = citations.get(Number(match[1]));
    if (!citation) continue;
    body.append(prose.slice(last, match.index), citeButton(citation, match[0]));
    last = match.index + match[0].length;
  }
  body.append(prose.slice(last));
  const parts = [body];
  if (citations.size) {
    parts.push(el("ol", { class: "footnotes", "aria-label": "Sources of this answer" }, [...citations.values()].map((c) =>
      el("li", { value: c.marker }, citeButton(c, `${c.title || c.source || c.report_id}`),
        c.published ? ` (${c.published})` : "", ` “${c.text.length > 160 ? `${c.text.slice(0, 157)}…` : c.text}”`))));
  }
  if (provenance?.refused) turn.classList.add("refused");
  for (const warning of provenance?.warnings || []) parts.push(el("p", { class: "warning" }, `⚠ ${warning}`));
  turn.replaceChildren(...parts);
}

function citeButton(citation, label) {
  return el("button", {
    type: "button", class: "cite", "data-marker": citation.marker, "data-report": citation.report_id,
    "data-start": citation.start, "data-end": citation.end,
    "aria-label": `Citation ${citation.marker}: open ${citation.title || citation.report_id} at the cited words`,
    on: { click: (e) => act(e.currentTarget, () => openSpan(citation.report_id, citation.start, citation.end)) },
  }, label);
}

// -- wiring -------------------------------------------------------------------------------

$("signin").addEventListener("submit", (e) => { e.preventDefault(); signIn($("key").value.trim()); });
$("signout").addEventListener("click", () => {
  sessionStorage.removeItem(KEY);
  signedIn(false);
});
document.querySelectorAll("#views button").forEach((b) => b.addEventListener("click", () => show(b.dataset.view)));
$("report-form").addEventListener("submit", briefReport);
document.querySelectorAll("[data-export]").forEach((b) =>
  b.addEventListener("click", () => exportBrief(b.dataset.export).catch(showProblem)));
$("report-search").addEventListener("submit", (e) => { e.preventDefault(); act(e.submitter, () => loadReports(true)); });
$("reports-next").addEventListener("click", (e) => act(e.currentTarget, () => {
  reportPages.cursors[reportPages.index + 1] = reportPages.next;
  reportPages.index += 1;
  return loadReports();
}));
$("reports-prev").addEventListener("click", (e) => act(e.currentTarget, () => {
  reportPages.index = Math.max(0, reportPages.index - 1);
  return loadReports();
}));
$("digest-filter").addEventListener("submit", (e) => { e.preventDefault(); act(e.submitter, () => loadDigests(true)); });
$("digests-next").addEventListener("click", (e) => act(e.currentTarget, () => {
  digestPages.offset = digestPages.next ?? digestPages.offset;
  return loadDigests();
}));
$("digests-prev").addEventListener("click", (e) => act(e.currentTarget, () => {
  digestPages.offset = Math.max(0, digestPages.offset - 20);
  return loadDigests();
}));
$("digest-form").addEventListener("submit", runDigest);
$("schedule-form").addEventListener("submit", saveSchedule);
$("add-target").addEventListener("click", () => addTarget().focus());
$("schedule-new").addEventListener("click", () => editSchedule(null));
$("chat-form").addEventListener("submit", ask);
$("question").addEventListener("keydown", (e) => {
  if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); $("chat-form").requestSubmit(); }
});
$("chat-clear").addEventListener("click", () => { conversation = []; $("chat-log").replaceChildren(); });
$("viewer-close").addEventListener("click", () => $("viewer").close());
if (sessionStorage.getItem(KEY)) signIn(sessionStorage.getItem(KEY));
