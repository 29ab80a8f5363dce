// citypaths explore: levers -> POST /api/run -> an SVG chart and tables. No libraries.
"use strict";
let L = null;          // the levers and their scenario values (GET /api/levers)
let state = {measures: {}, capacities: {}, budgets: {}};  // only what differs
let pinned = null;     // a second state to compare with: {state, answer}
let seq = 0, shown = 0, last = null;
const $ = (id) => document.getElementById(id);
const NS = "http://www.w3.org/2000/svg";
const COLORS = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
  "#ff9da7", "#9c755f", "#bab0ac", "#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e"];

function kt(v) { return v == null ? "–" : (v / 1000).toFixed(1) + " kt"; }
function money(v) { return v == null ? "–" : (v / 1e6).toFixed(1) + " M" + L.currency; }

function clean(s) {  // drop levers equal to the scenario's values
  const out = {measures: {}, capacities: {}, budgets: {}};
  for (const [k, v] of Object.entries(s.measures || {})) {
    const m = L.measures.find((x) => x.id === k);
    const d = {};
    if (v.on === false) d.on = false;
    if (v.ambition != null && v.ambition !== 1) d.ambition = v.ambition;
    if (v.start != null && v.start !== m.start) d.start = v.start;
    if (Object.keys(d).length) out.measures[k] = d;
  }
  for (const c of L.capacities) if (s.capacities[c.id] != null && s.capacities[c.id] !== c.slots) out.capacities[c.id] = s.capacities[c.id];
  for (const b of L.budgets) if (s.budgets[b.id] != null && s.budgets[b.id] !== b.per_year) out.budgets[b.id] = s.budgets[b.id];
  return out;
}

function measureState(id) { return state.measures[id] || {}; }

function setMeasure(id, key, value) {
  state.measures[id] = Object.assign({}, measureState(id), {[key]: value});
  changed();
}

function buildLevers() {
  const box = $("levers");
  box.textContent = "";
  for (const m of L.measures) {
    const s = measureState(m.id);
    const div = document.createElement("div");
    div.className = "lever";
    div.dataset.id = m.id;
    const amb = s.ambition == null ? 1 : s.ambition;
    const start = s.start == null ? m.start : s.start;
    div.innerHTML =
      `<label><input type="checkbox" class="on"> <b></b> <small></small></label>` +
      `<label>ambition <input type="range" class="ambition" min="0" max="1" step="0.05"> <span class="val amb"></span></label>` +
      `<label>start <input type="range" class="start" min="${L.years[0]}" max="${L.years[1]}" step="0.5"> <span class="val st"></span></label>`;
    div.querySelector("b").textContent = m.title;
    div.querySelector("small").textContent = m.kind === "removals" ? "(removal)" : `(${m.sector})` +
      (m.other_cities.length ? ` also in ${m.other_cities.join(", ")}` : "");
    const on = div.querySelector(".on"), a = div.querySelector(".ambition"), st = div.querySelector(".start");
    on.checked = s.on !== false;
    a.value = amb; st.value = start;
    div.querySelector(".amb").textContent = Math.round(amb * 100) + " %";
    div.querySelector(".st").textContent = start;
    if (s.on === false || amb !== 1 || start !== m.start) div.classList.add("changed");
    on.addEventListener("change", () => setMeasure(m.id, "on", on.checked));
    a.addEventListener("input", () => { div.querySelector(".amb").textContent = Math.round(a.value * 100) + " %"; setMeasure(m.id, "ambition", Number(a.value)); });
    st.addEventListener("input", () => { div.querySelector(".st").textContent = st.value; setMeasure(m.id, "start", Number(st.value)); });
    box.appendChild(div);
  }
  const pool = (items, group, key, label, max, step) => {
    for (const c of items) {
      const div = document.createElement("div");
      div.className = "lever";
      div.dataset.id = c.id;
      const v = state[group][c.id] == null ? c[key] : state[group][c.id];
      div.innerHTML = `<label>${label} <b></b></label><input type="range" min="${group === "capacities" ? 1 : 0}" max="${max(c[key])}" step="${step(c[key])}"> <span class="val"></span>`;
      div.querySelector("b").textContent = `${c.id} (${c.reach})`;
      const r = div.querySelector("input");
      r.value = v;
      const show = () => { div.querySelector(".val").textContent = group === "budgets" ? money(Number(r.value)) : r.value + " slots"; };
      show();
      if (v !== c[key]) div.classList.add("changed");
      r.addEventListener("input", () => { show(); state[group][c.id] = Number(r.value); changed(); });
      box.appendChild(div);
    }
  };
  pool(L.capacities, "capacities", "slots", "capacity", (v) => Math.max(10, 3 * v), () => 1);
  pool(L.budgets, "budgets", "per_year", "budget per year", (v) => Math.max(1e6, 3 * v), (v) => Math.max(1, Math.round(v / 20)));
}

function toHash(s) { return "#" + encodeURIComponent(JSON.stringify(clean(s))); }

let lastMove = 0;  // performance.now() of the latest lever move
function changed() {
  lastMove = performance.now();
  state = clean(state);
  history.replaceState(null, "", toHash(state));
  for (const div of document.querySelectorAll(".lever")) div.classList.remove("changed");
  for (const id of [...Object.keys(state.measures), ...Object.keys(state.capacities), ...Object.keys(state.budgets)]) {
    const d = document.querySelector(`.lever[data-id="${CSS.escape(id)}"]`);
    if (d) d.classList.add("changed");
  }
  request();
  clearTimeout(checkTimer);
  checkTimer = setTimeout(check, 300);
}

// after a pause in moving, the whole scenario file the levers mean goes through the loader
let checkTimer = null;
async function check() {
  const sent = JSON.stringify(state);
  const r = await fetch("/api/check", {method: "POST", headers: {"content-type": "application/json"}, body: sent});
  if (sent !== JSON.stringify(state)) return;  // moved again meanwhile
  const box = $("check");
  if (r.ok) { box.hidden = true; box.textContent = ""; }
  else { box.hidden = false; box.textContent = "This state cannot be saved as a scenario: " + (await r.json()).error; }
}

let inflight = false, pending = false;
async function request() {
  if (inflight) { pending = true; return; }
  inflight = true;
  const my = ++seq;
  const moved = lastMove;
  try {
    const r = await fetch("/api/run", {method: "POST", headers: {"content-type": "application/json"}, body: JSON.stringify(state)});
    const j = await r.json();
    if (!r.ok) { $("error").hidden = false; $("error").textContent = j.error; }
    else { $("error").hidden = true; last = j; render(j); }
  } catch (e) {
    $("error").hidden = false; $("error").textContent = String(e);
  }
  shown = my;
  // the answer is on the page at the next frame: then say so, with the time since the move
  await new Promise((resolve) => requestAnimationFrame(() => resolve()));
  $("status").dataset.ms = (performance.now() - moved).toFixed(1);
  $("status").dataset.seq = String(my);
  $("status").textContent = `answer ${my} in ${$("status").dataset.ms} ms`;
  inflight = false;
  if (pending) { pending = false; request(); }
}

function el(tag, attrs, parent) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (parent) parent.appendChild(e);
  return e;
}

function axes(svg, x0, x1, ymax, W, H, m, ymin = 0) {
  const sx = (x) => m.l + (x - x0) / (x1 - x0) * (W - m.l - m.r);
  const sy = (y) => H - m.b - (y - ymin) / (ymax - ymin) * (H - m.t - m.b);
  el("line", {x1: m.l, x2: W - m.r, y1: sy(0), y2: sy(0), stroke: "#999"}, svg);
  el("line", {x1: m.l, x2: m.l, y1: m.t, y2: H - m.b, stroke: "#999"}, svg);
  for (let i = 0; i <= 5; i++) {
    const y = ymin + (ymax - ymin) * i / 5;
    el("line", {x1: m.l, x2: W - m.r, y1: sy(y), y2: sy(y), stroke: "#eee"}, svg);
    el("text", {x: m.l - 4, y: sy(y) + 4, "text-anchor": "end"}, svg).textContent = Math.round(y / 1000);
  }
  const step = (x1 - x0) > 40 ? 10 : 5;
  for (let x = Math.ceil(x0 / step) * step; x <= x1; x += step)
    el("text", {x: sx(x), y: H - m.b + 14, "text-anchor": x + step > x1 ? "end" : "middle"}, svg).textContent = x;
  el("text", {x: 4, y: m.t - 4}, svg).textContent = "kt CO₂e/yr";
  return [sx, sy];
}

function path(svg, xs, ys, sx, sy, style) {
  let d = "";
  xs.forEach((x, i) => { if (ys[i] != null) d += (d ? "L" : "M") + sx(x).toFixed(1) + "," + sy(ys[i]).toFixed(1); });
  return el("path", Object.assign({d, fill: "none"}, style), svg);
}

function render(j) {
  const a = j.answer, b = j.base;
  const svg = $("chart"); svg.textContent = "";
  const W = 760, H = 380, m = {l: 50, r: 10, t: 20, b: 24};
  const x0 = a.observed.years.length ? Math.min(a.observed.years[0], a.years[0]) : a.years[0];
  const x1 = a.years[a.years.length - 1];
  const ymax = 1.1 * Math.max(...a.bau, ...a.observed.values.filter((v) => v != null), ...b.scenario);
  const net = a.scenario.map((v, i) => v - a.removals[i]);
  const ymin = Math.min(0, ...net) * 1.1;
  const [sx, sy] = axes(svg, x0, x1, ymax, W, H, m, ymin);
  const lines = [
    ["observed", a.observed.years, a.observed.values, {stroke: "#222", "stroke-width": 2}],
    ["BAU", a.years, a.bau, {stroke: "#888", "stroke-width": 2, "stroke-dasharray": "6 3"}],
    ["Carbon Law (−11.72 %/yr)", a.years, a.carbon_law, {stroke: "#59a14f", "stroke-width": 1.5, "stroke-dasharray": "2 3"}],
    ["scenario as written", b.years, b.scenario, {stroke: "#a0b8d8", "stroke-width": 2}],
  ];
  if (pinned) lines.push(["pinned state", pinned.answer.years, pinned.answer.scenario, {stroke: "#b07aa1", "stroke-width": 2}]);
  lines.push(["edited (gross)", a.years, a.scenario, {stroke: "#1f4e99", "stroke-width": 3, id: "edited-line"}]);
  lines.push(["edited, net of removals", a.years, net, {stroke: "#1f4e99", "stroke-width": 1, "stroke-dasharray": "4 2"}]);
  for (const [, xs, ys, st] of lines) path(svg, xs, ys, sx, sy, st);
  for (const t of a.targets) {
    el("circle", {cx: sx(t.year), cy: sy(t.allowed), r: 5, fill: t.met ? "#1a7f37" : "#b42318"}, svg);
    const right = sx(t.year) > W - 200;
    el("text", {x: sx(t.year) + (right ? -8 : 6), y: sy(t.allowed) - 8, "text-anchor": right ? "end" : "start"}, svg).textContent = `${t.id} (${t.year})`;
  }
  $("legend").innerHTML = "";
  for (const [name, , , st] of lines) {
    const s = document.createElement("span");
    s.innerHTML = `<i style="background:${st.stroke}"></i>`;
    s.appendChild(document.createTextNode(name));
    $("legend").appendChild(s);
  }
  const tgt = document.createElement("span");
  tgt.textContent = "● target (green met, red missed)";
  $("legend").appendChild(tgt);
  // figures
  const f = $("figures"); f.innerHTML = "";
  const row = (cells, tag = "td") => { const tr = document.createElement("tr"); for (const c of cells) { const td = document.createElement(tag); if (c instanceof Node) td.appendChild(c); else td.textContent = c; tr.appendChild(td); } f.appendChild(tr); return tr; };
  row(["", "edited", "scenario as written"].concat(pinned ? ["pinned"] : []), "th");
  a.targets.forEach((t, i) => {
    const cell = (x) => { const s = document.createElement("span"); s.className = x.met ? "met" : "missed"; s.textContent = x.met ? "met" : `missed by ${kt(x.shortfall)}`; return s; };
    const tr = row([`${t.title} (${t.year}, allowed ${kt(t.allowed)})`, cell(t), cell(b.targets[i])].concat(pinned ? [cell(pinned.answer.targets[i])] : []));
    tr.dataset.target = t.id;
    tr.dataset.value = t.value; tr.dataset.shortfall = t.shortfall;
  });
  const last = (x) => x.scenario[x.scenario.length - 1];
  row([`emissions ${x1} (gross)`, kt(last(a)), kt(last(b))].concat(pinned ? [kt(last(pinned.answer))] : []));
  const npv = row(["cost of the measures (NPV)", money(a.npv), money(b.npv)].concat(pinned ? [money(pinned.answer.npv)] : []));
  npv.dataset.npv = a.npv;
  const lev = (x) => x.levelised == null ? "–" : Math.round(x.levelised) + ` ${L.currency}/t`;
  const lc = row(["levelised cost", lev(a), lev(b)].concat(pinned ? [lev(pinned.answer)] : []));
  lc.dataset.levelised = a.levelised;
  // wedges: stacked areas of abatement per measure
  const w = $("wedges"); w.textContent = "";
  const H2 = 260;
  const tot = a.years.map((_, i) => a.wedges.reduce((s, x) => s + (x.values[i] || 0), 0));
  const wmax = 1.1 * Math.max(1, ...tot);
  const [wx, wy] = axes(w, a.years[0], x1, wmax, W, H2, m);
  const acc = a.years.map(() => 0);
  a.wedges.forEach((x, k) => {
    const lo = acc.slice();
    x.values.forEach((v, i) => { acc[i] += v || 0; });
    let d = "M" + a.years.map((y, i) => wx(y).toFixed(1) + "," + wy(acc[i]).toFixed(1)).join("L");
    d += "L" + a.years.map((y, i) => wx(y).toFixed(1) + "," + wy(lo[i]).toFixed(1)).reverse().join("L") + "Z";
    const p = el("path", {d, fill: COLORS[k % COLORS.length], opacity: 0.85}, w);
    el("title", {}, p).textContent = x.id;
  });
  a.wedges.slice(-12).forEach((x, k) => {
    const kk = a.wedges.length - 12 + k >= 0 ? a.wedges.length - 12 + k : k;
    el("rect", {x: 60, y: 20 + 12 * k, width: 10, height: 8, fill: COLORS[kk % COLORS.length]}, w);
    el("text", {x: 74, y: 28 + 12 * k}, w).textContent = x.id;
  });
  // delays
  const dt = $("delays"); dt.innerHTML = "<tr><th>measure</th><th>planned</th><th>done</th><th>waited for capacity</th><th>for budget</th><th>for others</th></tr>";
  const yr = (v) => v == null ? "not by " + x1 : v.toFixed(1);
  for (const d of a.delays) {
    const tr = document.createElement("tr");
    for (const c of [d.intervention, yr(d.planned), yr(d.actual), d.wait_capacity.toFixed(1) + " yr" + (d.capacity ? ` (${d.capacity})` : ""), d.wait_budget.toFixed(1) + " yr" + (d.budget ? ` (${d.budget})` : ""), d.wait_after.toFixed(1) + " yr"]) {
      const td = document.createElement("td"); td.textContent = c; tr.appendChild(td);
    }
    dt.appendChild(tr);
  }
  if (!a.delays.length) dt.insertAdjacentHTML("beforeend", "<tr><td>none</td></tr>");
}

async function init() {
  L = await (await fetch("/api/levers")).json();
  $("title").textContent = `citypaths explore: ${L.city_name} (${L.city}), ${L.title}`;
  if (location.hash.length > 1) {
    try { state = Object.assign({measures: {}, capacities: {}, budgets: {}}, JSON.parse(decodeURIComponent(location.hash.slice(1)))); }
    catch (e) { state = {measures: {}, capacities: {}, budgets: {}}; }
  }
  buildLevers();
  $("reset").addEventListener("click", () => { state = {measures: {}, capacities: {}, budgets: {}}; buildLevers(); changed(); });
  $("pin").addEventListener("click", () => { if (last) { pinned = {state: JSON.parse(JSON.stringify(state)), answer: last.answer}; render(last); } });
  $("save").addEventListener("click", async () => {
    const r = await fetch("/api/scenario", {method: "POST", headers: {"content-type": "application/json"}, body: JSON.stringify(state)});
    if (!r.ok) { $("error").hidden = false; $("error").textContent = (await r.json()).error; return; }
    const blob = await r.blob();
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = `${L.scenario}-explored.yaml`;
    a.click();
  });
  changed();
}
init();
