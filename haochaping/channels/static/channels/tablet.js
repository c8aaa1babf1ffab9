/* Hall tablet evaluator: idle → prompt → rate → thank-you → idle.
   Ratings go into a queue in localStorage first and are sent from there, each with its own
   idempotency key: when the network drops nothing is lost, and a resend never doubles. */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("tablet-config").textContent);
  var QUEUE = "hcp.tablet.queue." + cfg.device;
  var SEEN = "hcp.tablet.seen." + cfg.device;
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var $ = function (id) { return document.getElementById(id); };
  var state = { screen: "idle", prompt: null, level: null, options: [], timer: null, abandon: null };
  var syncing = false;

  // --- texts in both languages -------------------------------------------------------------
  Array.prototype.forEach.call(document.querySelectorAll("[data-t]"), function (el) {
    var t = cfg.texts[el.getAttribute("data-t")];
    if (t) el.textContent = t[el.getAttribute("data-l")];
  });

  function show(name) {
    ["idle", "rate", "thanks"].forEach(function (s) { $(s).hidden = s !== name; });
    state.screen = name;
  }

  // --- faces ---------------------------------------------------------------------------------
  var COLOURS = { 5: "#1e7b34", 4: "#5f8f1a", 3: "#9a6a00", 2: "#c2410c", 1: "#b91c1c" };
  function face(hcp) {
    var curve = { 5: 14, 4: 8, 3: 0, 2: -8, 1: -14 }[hcp];
    var y = 44 - curve / 2;
    return '<svg viewBox="0 0 64 64" width="72" height="72" aria-hidden="true" focusable="false">' +
      '<circle cx="32" cy="32" r="29" fill="' + COLOURS[hcp] + '"/>' +
      '<circle cx="22" cy="25" r="4" fill="#fff"/><circle cx="42" cy="25" r="4" fill="#fff"/>' +
      '<path d="M18 ' + y + ' Q32 ' + (y + curve) + ' 46 ' + y + '" stroke="#fff" stroke-width="4" fill="none" stroke-linecap="round"/></svg>';
  }

  function el(tag, attrs, html) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (html !== undefined) e.innerHTML = html;
    return e;
  }
  function esc(s) { var d = document.createElement("div"); d.textContent = s; return d.innerHTML; }
  function both(label) {
    return '<span lang="bo" class="bo">' + esc(label.bo) + '</span><span lang="zh-Hans" class="zh">' + esc(label["zh-hans"]) + "</span>";
  }

  // --- rating screen -------------------------------------------------------------------------
  function renderLevels() {
    var box = $("levels");
    box.innerHTML = "";
    cfg.levels.forEach(function (lv) {
      var b = el("button", { type: "button", role: "radio", "aria-checked": "false", "class": "level lv" + lv.hcp, "data-level": lv.value }, face(lv.hcp) + both(lv.label));
      b.addEventListener("click", function () { chooseLevel(lv); });
      box.appendChild(b);
    });
  }

  function chooseLevel(lv) {
    touch();
    state.level = lv;
    state.options = [];
    Array.prototype.forEach.call(document.querySelectorAll("#levels .level"), function (b) {
      b.setAttribute("aria-checked", b.getAttribute("data-level") === lv.value ? "true" : "false");
    });
    var box = $("options");
    box.innerHTML = "";
    lv.options.forEach(function (o) {
      var b = el("button", { type: "button", "class": "option", "aria-pressed": "false", "data-code": o.code }, both(o.label));
      b.addEventListener("click", function () {
        touch();
        var i = state.options.indexOf(o.code);
        if (i >= 0) state.options.splice(i, 1); else state.options.push(o.code);
        b.setAttribute("aria-pressed", i >= 0 ? "false" : "true");
      });
      box.appendChild(b);
    });
    $("form-error").hidden = true;
    $("details").hidden = false;
  }

  function showPrompt(p) {
    state.prompt = p;
    state.level = null;
    state.options = [];
    $("case-no").textContent = p.projectNo;
    $("case-item").textContent = p.taskName;
    $("case-staff").textContent = p.staff ? " · " + p.staff : "";
    $("text").value = "";
    $("details").hidden = true;
    $("form-error").hidden = true;
    renderLevels();
    show("rate");
    touch();
  }

  function touch() {
    clearTimeout(state.abandon);
    state.abandon = setTimeout(abandon, cfg.abandonSeconds * 1000);
  }

  function abandon() {
    if (state.screen !== "rate" || !state.prompt) return;
    var p = state.prompt;
    markSeen(p.id);
    toIdle();
    post(cfg.laterUrl.replace(/0\/later\/$/, p.id + "/later/"), {}).then(function (r) {
      if (r.status !== 201) return;
      return r.json().then(function (d) {
        $("idle-qr").innerHTML = d.qrSvg;
        setCaption("later_qr");
        clearTimeout(state.laterTimer);
        state.laterTimer = setTimeout(restoreIdleQr, 5 * 60 * 1000);
      });
    }).catch(function () {});
  }

  var idleQr = $("idle-qr").innerHTML;
  function setCaption(key) {
    var t = cfg.texts[key];
    $("idle-qr-caption").innerHTML = '<span lang="bo">' + esc(t.bo) + '</span><br><span lang="zh-Hans">' + esc(t["zh-hans"]) + "</span>";
  }
  function restoreIdleQr() { $("idle-qr").innerHTML = idleQr; setCaption("idle_qr"); }

  function toIdle() {
    clearTimeout(state.abandon);
    state.prompt = null;
    show("idle");
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16); crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return ("0" + x.toString(16)).slice(-2); }).join("");
  }

  function submit() {
    var p = state.prompt, lv = state.level;
    if (!p || !lv) return;
    var text = $("text").value.trim().slice(0, cfg.textMax);
    if (lv.bad && !state.options.length && !text) {
      var t = cfg.texts.need_reason;
      $("form-error").textContent = t.bo + " " + t["zh-hans"];
      $("form-error").hidden = false;
      return;
    }
    var item = {
      key: "tab-" + uuid(),
      body: { promptId: p.id, level: lv.value, options: state.options.slice(), text: text,
              assessedAt: new Date().toISOString(), language: "" }
    };
    item.body.idempotencyKey = item.key;
    var queue = load();
    queue.push(item);
    save(queue);
    markSeen(p.id);
    clearTimeout(state.abandon);
    state.prompt = null;
    $("receipt").textContent = "";
    $("thanks-receipt").hidden = true;
    $("thanks-queued").hidden = true;
    show("thanks");
    var shown = false;
    sync().then(function (receipts) {
      if (receipts[item.key]) {
        $("receipt").textContent = receipts[item.key];
        $("thanks-receipt").hidden = false;
        shown = true;
      }
    }).finally(function () {
      if (!shown && load().some(function (q) { return q.key === item.key; })) $("thanks-queued").hidden = false;
    });
    state.timer = setTimeout(function () { if (state.screen === "thanks") toIdle(); }, cfg.thanksSeconds * 1000);
  }
  $("submit").addEventListener("click", submit);
  $("text").addEventListener("input", touch);

  // --- queue ---------------------------------------------------------------------------------
  function load() { try { return JSON.parse(localStorage.getItem(QUEUE) || "[]"); } catch (e) { return []; } }
  function save(q) { localStorage.setItem(QUEUE, JSON.stringify(q)); }
  function remove(key) { save(load().filter(function (q) { return q.key !== key; })); }
  function markSeen(id) { if (id > lastSeen()) localStorage.setItem(SEEN, String(id)); }
  function lastSeen() { return parseInt(localStorage.getItem(SEEN) || "0", 10) || 0; }

  function post(url, body) {
    return fetch(url, { method: "POST", credentials: "same-origin", cache: "no-store",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf }, body: JSON.stringify(body) });
  }

  // Send queued ratings one by one; resolves to {key: receipt} of those sent now.
  function sync() {
    var receipts = {};
    if (syncing) return Promise.resolve(receipts);
    syncing = true;
    function next() {
      var queue = load();
      if (!queue.length) return Promise.resolve();
      var item = queue[0];
      return post(cfg.submitUrl, item.body).then(function (r) {
        if (r.status === 200 || r.status === 201) {
          return r.json().then(function (d) { receipts[item.key] = d.receipt; remove(item.key); return next(); });
        }
        if (r.status === 401 || r.status === 403 || r.status >= 500) throw new Error("retry later: " + r.status);
        // 404/409/422: the server will never take it (already rated, unknown prompt): drop it.
        return r.text().then(function (t) { console.warn("rating dropped", r.status, t); remove(item.key); return next(); });
      });
    }
    return next().catch(function () { netState(false); }).then(function () {
      syncing = false;
      if (!load().length) netState(true);
      return receipts;
    });
  }

  function netState(ok) {
    var n = $("net");
    var pending = load().length;
    if (ok && !pending) { n.hidden = true; return; }
    var t = cfg.texts.offline;
    n.textContent = t.bo + " · " + t["zh-hans"] + (pending ? " (" + pending + ")" : "");
    n.hidden = false;
  }

  window.addEventListener("online", function () { sync(); poll(); });
  window.addEventListener("offline", function () { netState(false); });
  setInterval(function () { if (load().length) sync(); }, 3000);

  // --- long poll -----------------------------------------------------------------------------
  var polling = false;
  function poll() {
    if (polling) return;
    polling = true;
    var after = Math.max(lastSeen(), state.prompt ? state.prompt.id : 0);
    fetch(cfg.pollUrl + "?after=" + after, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) {
        if (r.status === 401) { location.reload(); return; }
        if (r.status === 200) return r.json().then(function (d) {
          if (d.prompt && (!state.prompt || d.prompt.id > state.prompt.id)) {
            clearTimeout(state.timer);
            showPrompt(d.prompt);
          }
        });
        if (r.status !== 204) throw new Error("poll " + r.status);
      })
      .then(function () { polling = false; if (load().length === 0) netState(true); setTimeout(poll, 50); })
      .catch(function () { polling = false; netState(false); setTimeout(poll, 2000); });
  }

  // Keep the page for starting without network (needs a secure context: https or localhost).
  if ("serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker.register(cfg.swUrl, { scope: cfg.swUrl.replace(/sw\.js$/, "") }).catch(function () {});
  }

  sync();
  poll();
})();
