// bgpmux web UI: plain JavaScript over the JSON API (/api/v1/...), no
// libraries. Refreshes every 5 seconds.
"use strict";

const $ = (sel) => document.querySelector(sel);

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k.startsWith("data-")) e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const c of children) e.append(c instanceof Node ? c : String(c ?? "-"));
  return e;
}

async function api(path, opts) {
  const r = await fetch(path, opts);
  const body = await r.json().catch(() => ({ error: "not JSON (HTTP " + r.status + ")" }));
  if (!r.ok) throw Object.assign(new Error(body.error || r.statusText), { body, status: r.status });
  return body;
}

function uptime(s) {
  if (!s) return "-";
  const h = Math.floor(s / 3600), m = Math.floor(s % 3600 / 60), x = s % 60;
  return `${h}:${String(m).padStart(2, "0")}:${String(x).padStart(2, "0")}`;
}

function fillRows(tbody, rows) {
  tbody.replaceChildren(...rows);
}

function renderUpstreams(sessions) {
  fillRows($("#upstreams tbody"), sessions.filter((s) => s.kind === "upstream").map((s) =>
    el("tr", { "data-session": s.id, "data-name": s.name },
      el("td", {}, s.id), el("td", { class: "state " + s.state }, s.state),
      el("td", {}, uptime(s.uptime)), el("td", {}, s.neighbor), el("td", {}, s.neighbor_as),
      el("td", {}, s.messages_received.update), el("td", {}, s.last_error || "-"))));
}

// An update-rate chart of the last hour: one point per rate interval.
function chart(history) {
  const w = 260, h = 60, n = Math.max(history.length, 2);
  const max = Math.max(1, ...history);
  const pts = history.map((v, i) => `${(i * w / (n - 1)).toFixed(1)},${(h - v * h / max).toFixed(1)}`);
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("width", w);
  svg.setAttribute("height", h);
  svg.setAttribute("class", "rate-chart");
  const line = document.createElementNS(svg.namespaceURI, "polyline");
  line.setAttribute("points", pts.join(" "));
  line.setAttribute("fill", "none");
  line.setAttribute("stroke", "#1d3557");
  svg.append(line);
  const title = document.createElementNS(svg.namespaceURI, "title");
  title.textContent = `updates/s over the last hour (max ${max.toFixed(1)})`;
  svg.append(title);
  return svg;
}

async function renderViews(views) {
  const cards = await Promise.all(views.map(async (v) => {
    const full = await api("/api/v1/views/" + encodeURIComponent(v.name));
    return el("div", { class: "card view-card", "data-view": v.name },
      el("h3", {}, v.name + " "), el("div", {}, "state ", el("span", { class: "state " + v.state }, v.state)),
      el("div", {}, "IPv4 paths ", el("b", { class: "paths-v4" }, v.paths.ipv4),
        "  IPv6 paths ", el("b", { class: "paths-v6" }, v.paths.ipv6)),
      el("div", {}, "updates ", v.updates, ", ", v.update_rate.toFixed(1), "/s"),
      chart(full.rate_history));
  }));
  $("#views").replaceChildren(el("div", { class: "cards" }, ...cards));
}

function renderInstances(instances) {
  $("#instances").replaceChildren(el("div", { class: "cards" }, ...instances.map((i) =>
    el("div", { class: "card instance-card", "data-instance": i.name },
      el("h3", {}, `${i.name} — ${i.address} port ${i.port}`),
      el("table", {}, el("tbody", {}, ...i.clients.map((c) =>
        el("tr", { "data-client": c.name }, el("td", {}, c.name), el("td", {}, c.address),
          el("td", { class: "state " + c.state }, c.state), el("td", {}, c.phase)))))))));
}

function renderClients(clients) {
  fillRows($("#clients tbody"), clients.map((c) => {
    const del = c.source === "api" ? el("button", { class: "del", onclick: () => remove(c.name) }, "Delete") : "";
    const state = c.instances.map((i) => `${i.instance}:${i.state}`).join(" ");
    return el("tr", { "data-client": c.name }, el("td", {}, c.name), el("td", {}, c.source),
      el("td", {}, c.address), el("td", {}, c.asn), el("td", {}, c.upstreams.join(",")),
      el("td", { class: "client-state" }, state || "-"),
      el("td", {}, c.expires_at ? new Date(c.expires_at * 1000).toISOString() : "never"), el("td", {}, del));
  }));
}

async function refresh() {
  try {
    const [status, sessions, views, instances, clients] = await Promise.all([
      api("/api/v1/status"), api("/api/v1/sessions"), api("/api/v1/views"),
      api("/api/v1/instances"), api("/api/v1/clients")]);
    $("#status").textContent = `AS ${status.asn}, router id ${status.router_id}, ` +
      `${status.views} views, ${status.clients} clients, ` +
      `${status.sessions.Established || 0} sessions Established`;
    renderUpstreams(sessions);
    await renderViews(views);
    renderInstances(instances);
    renderClients(clients);
    $("#error").textContent = "";
    document.body.dataset.loaded = String(Date.now());
  } catch (e) {
    $("#error").textContent = "cannot reach muxd's API: " + e.message;
  }
}

async function lookingGlass(ev) {
  ev.preventDefault();
  const prefix = $("#lg-prefix").value.trim(), match = $("#lg-match").value;
  const views = await api("/api/v1/views");
  const cols = await Promise.all(views.map(async (v) => {
    try {
      const r = await api(`/api/v1/views/${encodeURIComponent(v.name)}/routes?prefix=` +
        `${encodeURIComponent(prefix)}&match=${match}`);
      return el("div", { class: "card lg-view", "data-view": v.name },
        el("h3", {}, `${v.name}: ${r.count} paths${r.truncated ? " (truncated)" : ""}`),
        el("table", {}, el("thead", {}, el("tr", {}, ...["Prefix", "Path id", "Next hop", "AS path", "Origin", "MED", "Communities"].map((h) => el("th", {}, h)))),
          el("tbody", {}, ...r.routes.map((p) => el("tr", { class: "lg-path" },
            el("td", {}, p.prefix), el("td", {}, p.path_id), el("td", {}, p.next_hop),
            el("td", { class: "as-path" }, (p.as_path || []).map((a) => typeof a === "number" ? a : JSON.stringify(a)).join(" ")),
            el("td", {}, p.origin), el("td", {}, p.med ?? "-"),
            el("td", {}, (p.communities || []).join(" ")))))));
    } catch (e) {
      return el("div", { class: "card lg-view error", "data-view": v.name }, `${v.name}: ${e.message}`);
    }
  }));
  $("#lg-results").replaceChildren(...cols);
}

function token() {
  return $("#prov-form").elements.token.value;
}

async function provision(ev) {
  ev.preventDefault();
  const f = ev.target.elements, list = (s) => s.split(",").map((x) => x.trim()).filter(Boolean);
  const body = { name: f.name.value, address: f.address.value, asn: Number(f.asn.value),
    upstreams: list(f.upstreams.value), prefixes: list(f.prefixes.value) };
  if (f.lifetime.value) body.lifetime = Number(f.lifetime.value);
  if (f.password.value) body.password = f.password.value;
  const out = $("#prov-result");
  try {
    await api("/api/v1/clients", { method: "POST", body: JSON.stringify(body),
      headers: { "Content-Type": "application/json", "Authorization": "Bearer " + token() } });
    out.className = "ok";
    out.textContent = `client ${body.name} provisioned`;
  } catch (e) {
    out.className = "error";
    out.textContent = e.message;
  }
  refresh();
}

async function remove(name) {
  const out = $("#prov-result");
  try {
    await api("/api/v1/clients/" + encodeURIComponent(name), { method: "DELETE",
      headers: { "Authorization": "Bearer " + token() } });
    out.className = "ok";
    out.textContent = `client ${name} removed`;
  } catch (e) {
    out.className = "error";
    out.textContent = e.message;
  }
  refresh();
}

$("#lg-form").addEventListener("submit", lookingGlass);
$("#prov-form").addEventListener("submit", provision);
refresh();
setInterval(refresh, 5000);
