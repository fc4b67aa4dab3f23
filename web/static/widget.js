/* govqa widget: calls this server's /api/search and renders cards.
 * Report text is only ever set with textContent / text nodes, never as HTML. */
(function () {
  "use strict";
  var form = document.getElementById("gqw-form");
  var input = document.getElementById("gqw-q");
  var statusLine = document.getElementById("gqw-status");
  var list = document.getElementById("gqw-results");
  var tokenMeta = document.querySelector('meta[name="govqa-token"]');
  var token = tokenMeta ? tokenMeta.getAttribute("content") : "";
  var own = new URLSearchParams(window.location.search);
  var FILTERS = ["k", "region", "year", "doc", "library"];

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function passage(text, spans) {
    var p = el("p", "gqw-passage");
    var pos = 0;
    spans.slice().sort(function (a, b) { return a[0] - b[0]; }).forEach(function (s) {
      var start = Math.max(s[0], pos), end = Math.min(s[1], text.length);
      if (end <= start) return;
      if (start > pos) p.appendChild(document.createTextNode(text.slice(pos, start)));
      p.appendChild(el("mark", null, text.slice(start, end)));
      pos = end;
    });
    p.appendChild(document.createTextNode(text.slice(pos)));
    return p;
  }

  function card(hit, rank) {
    var c = hit.citation || {};
    var li = el("li", "gqw-card");
    var head = el("div", "gqw-head");
    head.appendChild(el("span", "gqw-rank", rank));
    head.appendChild(el("span", "gqw-title", c.title || c.doc || ""));
    li.appendChild(head);
    var meta = el("div", "gqw-meta");
    if (c.region) meta.appendChild(el("span", null, c.region));
    if (c.year) meta.appendChild(el("span", null, c.year + "年"));
    if (c.section) meta.appendChild(el("span", null, c.section));
    if (c.page) meta.appendChild(el("span", null, "第 " + c.page + " 页"));
    li.appendChild(meta);
    li.appendChild(passage(hit.text || "", hit.highlights || []));
    var also = (hit.also_in || []).map(function (a) { return a.title || a.doc; });
    if (also.length) li.appendChild(el("div", "gqw-also-in", "同见：" + also.join("、")));
    return li;
  }

  function resize() {
    if (window.parent !== window) {
      window.parent.postMessage({ type: "govqa-widget-height", height: document.documentElement.scrollHeight }, "*");
    }
  }

  function show(message, isError) {
    statusLine.textContent = message;
    statusLine.className = "gqw-status" + (isError ? " gqw-error" : "");
  }

  function search(question) {
    var url = new URL("api/search", window.location.href);
    url.searchParams.set("q", question);
    FILTERS.forEach(function (name) {
      own.getAll(name).forEach(function (value) { url.searchParams.append(name, value); });
    });
    if (!own.has("k")) url.searchParams.set("k", "5");
    show("正在搜索…", false);
    list.replaceChildren();
    var headers = token ? { "X-Widget-Token": token } : {};
    fetch(url.toString(), { headers: headers, credentials: "same-origin" })
      .then(function (response) {
        return response.json().then(function (data) { return { ok: response.ok, data: data }; });
      })
      .then(function (r) {
        if (!r.ok) { show(r.data.error || "检索失败", true); return; }
        var hits = r.data.hits || [];
        show(hits.length ? hits.length + " 条结果" : "未找到相关内容", false);
        hits.forEach(function (hit, i) { list.appendChild(card(hit, i + 1)); });
      })
      .catch(function () { show("无法连接检索服务", true); })
      .then(resize);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var question = input.value.trim();
    if (question) search(question);
  });
  if (own.get("q")) { input.value = own.get("q"); search(own.get("q")); }
  resize();
})();
