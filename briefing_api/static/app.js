// The analyst's page: sign in with an API key, brief a report, read the brief beside the
// report with every item's evidence highlighted. Plain JavaScript, no build step, no CDN.
"use strict";

const KEY = "briefing.key";
const $ = (id) => document.getElementById(id);
let current = null; // {briefId, brief, text}

async function api(path, options = {}) {
  const headers = new Headers(options.headers || {});
  headers.set("Authorization", `Bearer ${sessionStorage.getItem(KEY) || ""}`);
  const response = await fetch(path, { ...options, headers });
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      const problem = await response.json();
      message = [problem.title, problem.detail].filter(Boolean).join(": ") || message;
    } catch (_) { /* not a problem body */ }
    const error = new Error(message);
    error.status = response.status;
    throw error;
  }
  return response;
}

function showProblem(error) {
  const box = $("problem");
  box.textContent = error ? error.message : "";
  box.hidden = !error;
}

function signedIn(yes) {
  $("compose").hidden = !yes;
  $("signout").hidden = !yes;
  $("key").hidden = yes;
  document.querySelector("#signin button[type=submit]").hidden = yes;
  $("who").textContent = yes ? "Signed in." : "";
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

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function briefReport(event) {
  event.preventDefault();
  showProblem(null);
  const button = $("brief-button");
  button.disabled = true;
  const progress = $("progress");
  try {
    progress.textContent = "Storing the report…";
    const reportId = await storeReport();
    progress.textContent = "Briefing…";
    const answer = await api("/v1/briefs", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ report_id: reportId }),
    });
    let briefId;
    if (answer.status === 202) {
      const job = await answer.json();
      briefId = await waitForJob(job.id, progress);
    } else {
      briefId = answer.headers.get("Location")?.split("/").pop() || (await answer.json()).id;
    }
    await openBrief(briefId, reportId);
    progress.textContent = "Done.";
  } catch (error) {
    progress.textContent = "";
    showProblem(error);
  } finally {
    button.disabled = false;
  }
}

async function storeReport() {
  const file = $("file").files[0];
  const meta = {
    title: $("title").value || null,
    source: $("source").value || null,
    published_at: $("published").value || null,
    tags: $("tags").value.split(",").map((t) => t.trim()).filter(Boolean),
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
    response = await api("/v1/reports", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ text, ...meta }),
    });
  }
  return (await response.json()).id;
}

async function waitForJob(jobId, progress) {
  const started = Date.now();
  for (;;) {
    const job = await (await api(`/v1/jobs/${jobId}`)).json();
    const seconds = Math.round((Date.now() - started) / 1000);
    progress.textContent = `Job ${job.status} (${seconds} s)…`;
    if (job.status === "succeeded") return job.brief_id;
    if (job.status === "failed") {
      throw new Error(job.error ? `${job.error.title}: ${job.error.detail}` : "The job failed.");
    }
    await sleep(1000);
  }
}

async function openBrief(briefId, reportId) {
  const brief = await (await api(`/v1/briefs/${briefId}`)).json();
  const report = await (await api(`/v1/reports/${reportId}`)).json();
  current = { briefId, brief, text: report.text };
  render(brief, report.text);
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
    add("Timeline", `D${i + 1}`, d.what, [d.when, d.when_text && `“${d.when_text}”`, d.where].filter(Boolean).join(" · "), d.evidence));
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
    const li = document.createElement("li");
    li.tabIndex = 0;
    li.dataset.item = item.id;
    li.setAttribute("role", "button");
    li.setAttribute("aria-label", `${item.label}: show its evidence`);
    const label = document.createElement("span");
    label.textContent = item.label;
    if (item.id === "B") label.className = "bluf";
    li.append(label);
    if (item.meta) {
      const meta = document.createElement("span");
      meta.className = "meta";
      meta.textContent = item.meta;
      li.append(meta);
    }
    li.addEventListener("click", () => select(item.id));
    li.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); select(item.id); }
    });
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
  $("brief").hidden = false;
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

// -- wiring -----------------------------------------------------------------------------

$("signin").addEventListener("submit", (e) => { e.preventDefault(); signIn($("key").value.trim()); });
$("signout").addEventListener("click", () => {
  sessionStorage.removeItem(KEY);
  signedIn(false);
  $("brief").hidden = true;
});
$("report-form").addEventListener("submit", briefReport);
document.querySelectorAll("[data-export]").forEach((b) =>
  b.addEventListener("click", () => exportBrief(b.dataset.export).catch(showProblem)));
if (sessionStorage.getItem(KEY)) signIn(sessionStorage.getItem(KEY));
