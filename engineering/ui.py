# ruff: noqa: E501  (an HTML page with its script: long lines are markup, not code)
"""The engineering page 工程: plant model, point editor (validated as you type, reason required, diff
before submitting), review queue 审核, versions and the spreadsheet round trip. Plain HTML and a little
JavaScript over the ``/api/v1/engineering`` routes; every rule is enforced by the server."""

PAGE = r"""<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>工程 Engineering</title>
<link rel="stylesheet" href="/assets/hmi.css">
<style>
body{font-family:sans-serif;margin:0;background:#f4f5f7;color:#222}
header{background:#1f2d3d;color:#fff;padding:8px 16px;display:flex;gap:16px;align-items:center}
header a{color:#9cf} main{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:12px;padding:12px}
section{background:#fff;border:1px solid #ccd;border-radius:4px;padding:10px}
table{border-collapse:collapse;width:100%;font-size:13px} td,th{border-bottom:1px solid #eee;padding:3px 5px;text-align:left}
tr.pt{cursor:pointer;display:table-row} tr.pt:hover{background:#eef} tr.sel{background:#dde}
label{display:inline-block;width:48%;margin:2px 0;font-size:13px} label input{width:60%}
pre{background:#111;color:#ddd;padding:6px;font-size:12px;max-height:260px;overflow:auto;white-space:pre}
.err{color:#b00020;font-size:13px} .ok{color:#176b2c} .change{border-top:1px solid #ccd;padding:6px 0}
</style></head><body>
<header><b>工程 Engineering</b><span id="who">{{who}}</span><a href="/">← 监测 HMI</a></header>
<main>
<section><h3>厂区模型 Plant model</h3>
<select id="ent"></select> <select id="hs"></select> <select id="eq"></select>
<a id="export-xlsx" href="#">导出 xlsx</a> · <a id="export-csv" href="#">CSV</a>
<table id="points"><thead><tr><th>tag</th><th>名称</th><th>LL</th><th>L</th><th>H</th><th>HH</th><th>死区</th><th>量程</th></tr></thead><tbody></tbody></table>
</section>
<section><h3>编辑点位 Edit point <span id="edit-tag"></span></h3>
<div id="form"></div>
<label style="width:100%">变更原因 Reason <input id="reason" style="width:80%"></label>
<div id="errors" class="err"></div><div id="status"></div>
<button id="submit" disabled>提交审核 Submit for review</button>
<pre id="diff"></pre>
</section>
<section><h3>待审核 Review queue 审核</h3><div id="queue"></div><h4>我的变更 My changes</h4><div id="mine"></div></section>
<section><h3>版本 Versions</h3>
<label style="width:100%">恢复原因 Restore reason <input id="restore-reason" style="width:70%"></label>
<table id="versions"><tbody></tbody></table>
<h3>导入表格 Import sheet</h3>
<input type="file" id="sheet"> <input id="sheet-reason" placeholder="原因 reason"> <button id="import">导入 Import</button>
<div id="sheet-errors" class="err"></div><pre id="sheet-diff"></pre>
</section>
</main>
<script>
const CSRF = "{{csrf}}", API = "/api/v1/engineering";
const FIELDS = ["thresholds.low_low","thresholds.low","thresholds.high","thresholds.high_high","deadband","on_delay_s","off_delay_s","range","name","unit"];
let model = null, point = null, timer = null, lastOk = false;
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s ?? "").replace(/[&<>"]/g, (c) => ({"&":"&amp;","<":"&lt;",">":"&gt;",'"':"&quot;"}[c]));
async function call(method, path, body) {
  const r = await fetch(API + path, {method, headers: {"Content-Type": "application/json", "X-CSRFToken": CSRF}, body: body ? JSON.stringify(body) : undefined});
  const data = await r.json().catch(() => ({error: r.statusText}));
  return {status: r.status, data};
}
function options(sel, items, label) { sel.innerHTML = items.map((x) => `<option value="${esc(x.code)}">${esc(x.code)} ${esc(x.name)}</option>`).join(""); }
function current() {
  const e = model.enterprises.find((x) => x.code === $("ent").value) || model.enterprises[0];
  const h = e.hazard_sources.find((x) => x.code === $("hs").value) || e.hazard_sources[0];
  const q = h.equipment.find((x) => x.code === $("eq").value) || h.equipment[0];
  return {e, h, q};
}
function showPoints() {
  const {e, h, q} = current();
  $("export-xlsx").href = `${API}/export?e=${e.code}&hs=${h.code}&format=xlsx`;
  $("export-csv").href = `${API}/export?e=${e.code}&hs=${h.code}&format=csv`;
  $("points").tBodies[0].innerHTML = q.points.map((p) => `<tr class="pt" data-tag="${esc(p.tag)}"><td>${esc(p.tag)}</td><td>${esc(p.name)}</td><td>${esc(p.low_low)}</td><td>${esc(p.low)}</td><td>${esc(p.high)}</td><td>${esc(p.high_high)}</td><td>${esc(p.deadband)}</td><td>${esc(p.range_low)}–${esc(p.range_high)}</td></tr>`).join("");
  for (const tr of $("points").querySelectorAll("tr.pt")) tr.onclick = () => edit(q.points.find((p) => p.tag === tr.dataset.tag), tr);
}
function fieldValue(p, f) { if (f === "range") return `${p.range_low}, ${p.range_high}`; return p[f.replace("thresholds.", "")] ?? ""; }
function edit(p, tr) {
  point = p; $("edit-tag").textContent = p.tag;
  document.querySelectorAll("tr.sel").forEach((x) => x.classList.remove("sel")); tr.classList.add("sel");
  $("form").innerHTML = FIELDS.map((f) => `<label>${f} <input id="f-${f}" data-field="${f}" value="${esc(fieldValue(p, f))}"></label>`).join("");
  for (const i of $("form").querySelectorAll("input")) i.oninput = schedule;
  $("diff").textContent = ""; $("errors").textContent = ""; $("status").textContent = ""; lastOk = false; gate();
}
function ops() {
  const set = {};
  for (const i of $("form").querySelectorAll("input")) {
    const f = i.dataset.field, old = String(fieldValue(point, f)), v = i.value.trim();
    if (v === old) continue;
    if (f === "range") set[f] = v.split(",").map((x) => Number(x.trim()));
    else if (f === "name" || f === "unit") set[f] = v;
    else set[f] = v === "" ? null : (isNaN(Number(v)) ? v : Number(v));
  }
  return Object.keys(set).length ? [{op: "point", tag: point.tag, set}] : [];
}
function schedule() { clearTimeout(timer); lastOk = false; gate(); timer = setTimeout(validate, 250); }
async function validate() {
  const o = ops();
  if (!o.length) { $("errors").textContent = ""; $("diff").textContent = ""; lastOk = false; gate(); return; }
  const {data} = await call("POST", "/preview", {ops: o});
  $("errors").innerHTML = (data.errors || (data.error ? [data.error] : [])).map((e) => `<div class="error-line">${esc(e)}</div>`).join("");
  $("diff").textContent = data.diff || ""; lastOk = !!data.ok; gate();
}
function gate() { $("submit").disabled = !(lastOk && $("reason").value.trim()); }
$("reason").oninput = gate;
$("submit").onclick = async () => {
  const {status, data} = await call("POST", "/changes", {kind: "edit", ops: ops(), reason: $("reason").value});
  $("status").innerHTML = status === 201 ? `<span class="ok" id="submitted">已提交 change ${data.id} → ${esc(data.review_tier)}:${esc(data.review_scope)} 审核</span>` : `<span class="err">${esc(data.error)} ${esc((data.errors || []).join("; "))}</span>`;
  refresh();
};
function changeHtml(c, review) {
  let h = `<div class="change" id="change-${c.id}"><b>#${c.id}</b> ${esc(c.kind)} · ${esc(c.status)} · ${esc(c.submitter)} → ${esc(c.review_tier)}:${esc(c.review_scope)}<br>${esc(c.reason)}`;
  if (c.review_note) h += `<br>审核意见: ${esc(c.review_note)} (${esc(c.reviewer)})`;
  h += `<pre>${esc(c.diff)}</pre>`;
  if (review) h += `<input id="note-${c.id}" placeholder="审核意见 note"> <button id="approve-${c.id}" data-id="${c.id}" class="approve">批准 Approve</button> <button id="reject-${c.id}" data-id="${c.id}" class="reject">驳回 Reject</button>`;
  return h + `<span id="result-${c.id}"></span></div>`;
}
async function act(id, action) {
  const {status, data} = await call("POST", `/changes/${id}/${action}`, {note: $("note-" + id).value});
  $("result-" + id).textContent = status === 200 ? ` ${data.status}` : ` ${data.error} ${(data.errors || []).join("; ")}`;
  if (status === 200) { await load(); }
}
async function refresh() {
  const {data} = await call("GET", "/changes");
  const list = Array.isArray(data) ? data : [];
  $("queue").innerHTML = list.filter((c) => c.can_review).map((c) => changeHtml(c, true)).join("") || "—";
  $("mine").innerHTML = list.filter((c) => !c.can_review).slice(0, 20).map((c) => changeHtml(c, false)).join("") || "—";
  for (const b of document.querySelectorAll("button.approve")) b.onclick = () => act(b.dataset.id, "approve");
  for (const b of document.querySelectorAll("button.reject")) b.onclick = () => act(b.dataset.id, "reject");
  const v = await call("GET", "/versions");
  $("versions").tBodies[0].innerHTML = (v.data || []).map((x) => `<tr><td>v${x.id}</td><td>${esc(x.hash.slice(0, 12))}</td><td>${esc(x.actor)}</td><td>${new Date(x.at * 1000).toLocaleString()}</td><td>${esc(x.reason)}</td><td><button class="restore" data-id="${x.id}">恢复 Restore</button></td></tr>`).join("");
  for (const b of document.querySelectorAll("button.restore")) b.onclick = async () => {
    const r = await call("POST", "/changes", {kind: "restore", ops: [{op: "restore", version: Number(b.dataset.id)}], reason: $("restore-reason").value});
    alert(r.status === 201 ? `change ${r.data.id} submitted for review` : `${r.data.error} ${(r.data.errors || []).join("; ")}`); refresh();
  };
}
$("import").onclick = async () => {
  const fd = new FormData(); fd.append("file", $("sheet").files[0]); fd.append("reason", $("sheet-reason").value);
  const r = await fetch(API + "/import", {method: "POST", headers: {"X-CSRFToken": CSRF}, body: fd});
  const d = await r.json();
  $("sheet-errors").innerHTML = (d.errors || []).map((e) => `<div>${esc(e)}</div>`).join("") + (d.change ? `<div class="ok">change ${d.change.id} submitted</div>` : "");
  $("sheet-diff").textContent = d.diff || ""; refresh();
};
async function load() {
  const {data} = await call("GET", "/plant"); model = data;
  const keep = [$("ent").value, $("hs").value, $("eq").value];
  options($("ent"), model.enterprises); if (keep[0]) $("ent").value = keep[0];
  const fill = () => { const {e} = current(); options($("hs"), e.hazard_sources); if (keep[1]) { $("hs").value = keep[1]; keep[1] = ""; }
    const {h} = current(); options($("eq"), h.equipment); if (keep[2]) { $("eq").value = keep[2]; keep[2] = ""; } showPoints(); };
  $("ent").onchange = fill; $("hs").onchange = () => { const {h} = current(); options($("eq"), h.equipment); showPoints(); }; $("eq").onchange = showPoints;
  fill(); refresh();
}
load();
</script></body></html>"""
