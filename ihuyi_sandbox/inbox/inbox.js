// The sandbox's web inbox: plain JS over the /_sandbox/ JSON API. Every value from the API
// reaches the DOM through textContent or text nodes only.
//
// The API's base path is one variable, `apiBase`: the body's data-api (relative to this page;
// empty: the page's own folder, /_sandbox/), or the workspace the address names
// (`?workspace=<id>`) or the picker chose (`workspaces/<id>/`, through
// `window.ihuyiInbox.useApi(base)`), and every view starts over from there.
"use strict";

(() => {
  const PAGE = 50;
  // without the server's events (a proxy that buffers them, a server that streams none): a look
  // at what is new this often
  const FALLBACK_POLL_MS = 3000;
  const TOKEN_KEY = "ihuyi-sandbox-admin-token";

  const chosen = new URLSearchParams(location.search).get("workspace") || "";
  let apiBase = chosen && /^[0-9a-f]+$/.test(chosen) ? `workspaces/${chosen}/` : document.body.dataset.api || "";

  const $ = (id) => document.getElementById(id);

  class Unauthorized extends Error {}

  let tokenNeeded = false;

  // -- the API ------------------------------------------------------------------------------------
  async function api(path, { method = "GET", body, base = apiBase } = {}) {
    const headers = { Accept: "application/json" };
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(base + path, {
      method, headers, cache: "no-store",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status === 401) {
      askToken(Boolean(token));
      throw new Unauthorized("admin token needed");
    }
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      const problems = Array.isArray(data.problems) ? `: ${data.problems.join("; ")}` : "";
      throw new Error(`${data.error || `HTTP ${response.status}`}${problems}`);
    }
    showError("");
    return data;
  }

  function showError(text) {
    $("error").textContent = text;
    $("error").hidden = !text;
  }

  function report(error) {
    if (!(error instanceof Unauthorized)) showError(String(error.message || error));
  }

  // -- the admin token ----------------------------------------------------------------------------
  function takeTokenFromFragment() {
    const token = new URLSearchParams(location.hash.slice(1)).get("token");
    if (!token) return;
    sessionStorage.setItem(TOKEN_KEY, token);
    // out of the address bar, the history and any copied link
    history.replaceState(null, "", location.pathname + location.search);
  }

  function askToken(refused) {
    if (refused) sessionStorage.removeItem(TOKEN_KEY);
    tokenNeeded = true;
    $("token-note").textContent = refused ? "That token was refused." : "";
    $("token-form").hidden = false;
    $("token-input").focus();
  }

  $("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $("token-input").value.trim());
    $("token-input").value = "";
    $("token-form").hidden = true;
    tokenNeeded = false;
    loadProducts().catch(report);
    current.load().catch(report);
  });

  // -- DOM helpers --------------------------------------------------------------------------------
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) {
      if (value !== null && value !== undefined) node.setAttribute(name, value);
    }
    node.append(...children.filter((child) => child !== null && child !== undefined));
    return node;
  }

  function field(label, value, testid) {
    return el("div", {}, el("dt", {}, label), el("dd", { "data-testid": testid }, String(value ?? "—")));
  }

  const pad = (n) => String(n).padStart(2, "0");

  // the offset from UTC of a moment in this browser's zone, as "UTC+08:00"
  function offset(d) {
    const minutes = -d.getTimezoneOffset();
    const sign = minutes < 0 ? "-" : "+";
    return `UTC${sign}${pad(Math.floor(Math.abs(minutes) / 60))}:${pad(Math.abs(minutes) % 60)}`;
  }

  function stamp(seconds) {
    const d = new Date(seconds * 1000);
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} `
      + `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${offset(d)}`;
  }

  function when(item) {
    return el("time", { datetime: item.time, title: `${item.time} (UTC)` }, stamp(item.timestamp));
  }

  function timeField(item, testid) {
    return el("div", {}, el("dt", {}, "Time"), el("dd", { "data-testid": testid }, when(item)));
  }

  // an arrival is marked once: a node kept by later polls must not play it again when shown again
  function arrived(node) {
    node.classList.add("fresh");
    const done = () => node.classList.remove("fresh");
    node.addEventListener("animationend", done, { once: true });
    node.addEventListener("animationcancel", done, { once: true });
  }

  // -- a paged list that follows new items on its first page --------------------------------------
  function feed(key, render) {
    const list = $(`${key}-list`);
    const filters = $(`${key}-filters`);
    const older = $(`${key}-older`);
    const newer = $(`${key}-newer`);
    // the `before` cursor of every page on the way down: empty means the live first page, and
    // "newer" goes back up the stack (an `after` page would be the newest 50, not the next 50)
    let stack = [];
    let items = [];
    let version = 0;

    function url(extra) {
      const params = new URLSearchParams();
      for (const [name, value] of new FormData(filters)) {
        if (value.trim()) params.set(name, value.trim());
      }
      for (const [name, value] of Object.entries(extra)) params.set(name, value);
      return `${key}?${params}`;
    }

    // an item that has not changed keeps its node, and a node kept is never moved: a poll then
    // leaves alone a code being selected to copy, a card with the focus, or one being read
    let shown = new Map();
    function show(found, fresh = new Set()) {
      items = found.slice(0, PAGE);
      const next = new Map();
      const nodes = items.map((item) => {
        const json = JSON.stringify(item);
        const kept = shown.get(item.id);
        const node = kept && kept.json === json ? kept.node : render(item);
        if (node !== kept?.node && fresh.has(item.id)) arrived(node);
        next.set(item.id, { json, node });
        return node;
      });
      // what went or changed goes first, so that what stays keeps its place; then the new
      // nodes go in between (the newest first, as the kept ones already are)
      const keep = new Set(nodes);
      for (const child of [...list.children]) {
        if (!keep.has(child)) child.remove();
      }
      let cursor = list.firstChild;
      for (const node of nodes) {
        if (node === cursor) cursor = cursor.nextSibling;
        else list.insertBefore(node, cursor);
      }
      shown = next;
      older.disabled = found.length <= PAGE;
      newer.disabled = stack.length === 0;
      $(`${key}-page`).textContent = stack.length ? `page ${stack.length + 1}` : "newest · live";
      $(`${key}-empty`).hidden = items.length > 0 || stack.length > 0;
    }

    // fetch one more than a page: whether it came tells whether there is an older page
    async function load() {
      const seen = ++version;
      const before = stack.at(-1);
      const data = await api(url({ limit: PAGE + 1, ...(before ? { before } : {}) }));
      if (seen === version) show(data[key]);
    }

    // something changed: the first page again (a reset or a deletion made elsewhere shows too),
    // what was not on it before marked as new
    async function poll() {
      if (stack.length) return;
      const seen = ++version;
      const known = new Set(items.map((item) => item.id));
      const found = (await api(url({ limit: PAGE + 1 })))[key];
      if (seen === version) show(found, new Set(known.size ? found.filter((i) => !known.has(i.id)).map((i) => i.id) : []));
    }

    function restart() {
      stack = [];
      return load();
    }

    list.addEventListener("click", (event) => {
      const item = event.target.closest("[data-id]");
      if (item && !window.getSelection().toString()) showDetail(key, Number(item.dataset.id)).catch(report);
    });
    list.addEventListener("keydown", (event) => {
      const item = event.target.closest("[data-id]");
      if (item && (event.key === "Enter" || event.key === " ")) {
        event.preventDefault();
        showDetail(key, Number(item.dataset.id)).catch(report);
      }
    });

    older.addEventListener("click", () => {
      stack.push(items.at(-1).id);
      load().catch(report);
    });
    newer.addEventListener("click", () => {
      stack.pop();
      load().catch(report);
    });
    let typing;
    filters.addEventListener("input", () => {
      clearTimeout(typing);
      typing = setTimeout(() => restart().catch(report), 300);
    });
    filters.addEventListener("submit", (event) => {
      event.preventDefault();
      clearTimeout(typing);
      restart().catch(report);
    });
    return { load, poll, restart };
  }

  // -- the tabs -----------------------------------------------------------------------------------
  // a product's name as its title says it ("voice verification codes (语音验证码)"), once known
  let titles = {};

  const productBadge = (name, testid) =>
    el("span", { class: "badge product", "data-testid": testid, title: titles[name] || null }, name);

  const messages = feed("messages", (m) =>
    el("li", { class: `card message${m.fault ? " spoiled" : ""}`, "data-testid": "message", "data-id": m.id,
      "data-product": m.product, tabindex: "0", title: "open its detail" },
      productBadge(m.product, "message-product"),
      m.fault ? el("span", { class: "badge fault", "data-testid": "message-fault",
        title: "delivered, but the answer the client got was spoiled by the scenario" }, `answer ${spoiled(m.fault)}`)
        : null,
      m.code === null
        ? el("div", { class: "code none", "data-testid": "message-code" }, "no code")
        : el("div", { class: "code", "data-testid": "message-code" }, m.code),
      // the whole text, when it is more than the code: as text, never as markup
      m.text !== m.code ? el("p", { class: "text", "data-testid": "message-text" }, m.text) : null,
      el("dl", {},
        field("Mobile", m.mobile, "message-mobile"),
        field("Account", m.account, "message-account"),
        timeField(m, "message-time"),
        field("ID", m.voiceid, "message-voiceid"),
        m.units !== 1 ? field("Units", m.units, "message-units") : null,
        field("Outcome", m.outcome.replace(/_/g, " "), "message-outcome"),
        field("Receipt", m.receipt, "message-receipt"))));

  const requests = feed("requests", (r) => {
    const params = r.params || {};
    const outcome = r.code === null ? "none" : r.code === 2 ? "ok" : "failed";
    return el("li", { class: `row ${outcome}`, "data-testid": "request", "data-id": r.id, tabindex: "0",
      title: "open its detail" },
      el("div", { class: "answer" },
        el("span", { class: "badge", "data-testid": "request-code" }, r.code === null ? "no answer" : String(r.code)),
        el("span", { "data-testid": "request-message" }, r.message ?? ""),
        r.fault ? el("span", { class: "badge fault", "data-testid": "request-fault" }, `fault: ${r.fault}`) : null),
      el("dl", {},
        field("Product", r.product, "request-product"),
        field("Method", r.method, "request-method"),
        field("Mobile", params.mobile, "request-mobile"),
        field("Account", params.account, "request-account"),
        field("Client IP", r.client_ip, "request-ip"),
        timeField(r, "request-time"),
        r.voiceid && r.voiceid !== "0" ? field("ID", r.voiceid, "request-voiceid") : null));
  });

  let shownAccounts = "";
  const accounts = {
    async load() {
      const found = (await api("accounts")).accounts;
      const json = JSON.stringify(found);
      if (json === shownAccounts) return;
      shownAccounts = json;
      $("accounts-list").replaceChildren(...found.map((a) =>
        el("li", { class: "card account", "data-testid": "account", "data-apiid": a.apiid },
          el("h2", { "data-testid": "account-apiid" }, a.apiid),
          el("dl", {},
            field("Balance", a.balance, "account-balance"),
            field("State", a.auto_frozen ? "auto-frozen (abuse)" : a.frozen ? "frozen" : "active", "account-state"),
            field("Products", a.products.length ? a.products.join(", ") : "by its APIID", "account-products"),
            field("Registered IPs", a.registered_ips.length ? a.registered_ips.join(", ") : "any", "account-ips"),
            field("Receipt URL", a.receipt_url || "none", "account-receipt-url"),
            field("Reply URL", a.reply_url || "none", "account-reply-url"),
            field("Limits", Object.entries(a.limits).map(([k, v]) => `${k.replace(/_/g, " ")} ${v}`).join(", ")
              || "none", "account-limits")))));
      $("accounts-empty").hidden = found.length > 0;
    },
  };
  accounts.poll = accounts.load;

  const scenario = {
    async load() {
      const { active, available } = await api("scenarios");
      $("scenario-name").textContent = active.name;
      $("scenario-description").textContent = active.description;
      $("scenario-source").textContent = active.source;
      $("scenario-rules").replaceChildren(...(active.rule_details || []).map((rule) =>
        el("li", { class: "rule", "data-testid": "scenario-rule" },
          el("strong", { "data-testid": "rule-name" }, rule.name),
          el("dl", {},
            field("Mobiles", rule.mobiles, "rule-mobiles"),
            rule.when.length ? field("When", rule.when.join("; "), "rule-when") : null,
            field("Does", rule.does.join("; ") || "nothing but its conditions", "rule-does")))));
      $("scenario-no-rules").hidden = active.rules.length > 0;
      $("scenario-select").replaceChildren(...available.map((s) => {
        const label = s.error ? `${s.name} (does not load)` : `${s.name}: ${s.description}`;
        const option = el("option", { value: s.name }, label);
        option.disabled = Boolean(s.error);
        option.selected = s.name === active.name;
        return option;
      }));
    },
    async poll() {},
  };

  // after a switch or a reset, the lists start over
  async function changed(answer, verb) {
    $("scenario-status").textContent = `${verb} ${answer.active.name}: state back to its start.`;
    shownAccounts = "";
    await Promise.all([scenario.load(), messages.restart(), requests.restart()]);
  }

  $("scenario-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const name = $("scenario-select").value;
    api("scenario", { method: "PUT", body: { name } })
      .then((answer) => changed(answer, "Switched to")).catch(report);
  });
  $("scenario-reset").addEventListener("click", () => {
    api("reset", { method: "POST" }).then((answer) => changed(answer, "Reset")).catch(report);
  });

  // the product and method filters offer what this sandbox answers
  let productsShown = false;
  async function loadProducts() {
    if (productsShown) return;
    const found = (await api("products")).products;
    titles = Object.fromEntries(found.map((p) => [p.name, p.title]));
    // badges drawn before the titles came: a kept card is not drawn again
    for (const badge of document.querySelectorAll(".badge.product")) badge.title = titles[badge.textContent] || "";
    // a choice made meanwhile stays chosen
    const offer = (select, options) => {
      const chosen = select.value;
      select.replaceChildren(el("option", { value: "" }, "any"), ...options);
      select.value = chosen;
      if (select.value !== chosen) select.value = "";
    };
    for (const select of document.querySelectorAll("select.products")) {
      offer(select, found.map((p) => el("option", { value: p.name, title: p.title || null }, p.name)));
    }
    const methods = [...new Set(found.flatMap((p) => p.methods))];
    offer($("filter-method"), methods.map((m) => el("option", { value: m }, m)));
    productsShown = true;
  }

  // -- the detail of one message or request -------------------------------------------------------
  function spoiled(fault) {
    return { truncated: "truncated", malformed: "malformed", empty: "empty", wrong_content_type: "sent as text/html" }[fault]
      || `spoiled (${fault})`;
  }

  function table(head, rows, testid) {
    return el("table", { "data-testid": testid },
      el("thead", {}, el("tr", {}, ...head.map((h) => el("th", {}, h)))),
      el("tbody", {}, ...rows.map((cells) => el("tr", {}, ...cells.map((c) => el("td", {}, String(c ?? "—")))))));
  }

  function answerBlock(answer, request) {
    if (answer === null) return el("p", { class: "note", "data-testid": "detail-answer" }, "Not kept (journaled before the sandbox kept answers).");
    const dropped = request.code === null && answer.length === 0;
    return el("div", {},
      el("p", { class: "note" }, dropped ? "No answer: the connection was dropped."
        : `${answer.length} bytes${request.fault ? `, ${spoiled(request.fault)} by the scenario's fault` : ""}:`),
      el("pre", { class: "bytes", "data-testid": "detail-answer" }, answer.text),
      el("details", {}, el("summary", {}, "The exact bytes, base64"),
        el("pre", { class: "bytes", "data-testid": "detail-answer-base64" }, answer.base64)));
  }

  function receiptsBlock(receipts) {
    if (!receipts.length) return el("p", { class: "note", "data-testid": "detail-receipts" }, "No receipt: the account has no receipt URL.");
    return el("div", { "data-testid": "detail-receipts" }, ...receipts.map((r) => el("div", {},
      el("p", {}, `Receipt to ${r.url}: ${r.status}${r.next_attempt ? `, next attempt ${stamp(Date.parse(r.next_attempt) / 1000)}` : ""}`),
      r.attempts.length
        ? table(["time", "URL", "status", "answered", "error"],
          r.attempts.map((a) => [stamp(a.timestamp), a.url, a.status, a.body, a.error]), "detail-attempts")
        : el("p", { class: "note" }, "No attempt yet."))));
  }

  let detailShown = null;

  async function showDetail(kind, id) {
    const item = await api(`${kind}/${id}`);
    const request = kind === "messages" ? item.request : item;
    detailShown = { kind, id };
    $("detail-title").textContent = kind === "messages"
      ? `Message ${item.voiceid} to ${item.mobile}` : `Request ${item.id}: ${item.method} answered ${item.code ?? "nothing"}`;
    $("detail-delete").hidden = kind !== "messages";
    const params = Object.entries(request.params || {});
    $("detail-body").replaceChildren(
      el("dl", {},
        field("Product", request.product, "detail-product"),
        field("Method", request.method, "detail-method"),
        field("Code", request.code === null ? "no answer" : `${request.code} ${request.message ?? ""}`, "detail-code"),
        field("Fault", request.fault ? `${request.fault}: ${spoiled(request.fault)}` : "none", "detail-fault"),
        field("Outcome", request.outcome ? request.outcome.replace(/_/g, " ") : "—", "detail-outcome"),
        field("Client IP", request.client_ip, "detail-ip"),
        el("div", {}, el("dt", {}, "Time"), el("dd", { "data-testid": "detail-time" }, when(request))),
        request.text && request.text !== (request.params || {}).content ? field("Text delivered", request.text, "detail-text") : null),
      el("h3", {}, "Parameters (the key masked)"),
      table(["name", "value"], params, "detail-params"),
      el("h3", {}, "The answer, as sent"),
      answerBlock(request.answer, request),
      el("h3", {}, "Receipt"),
      receiptsBlock(item.receipts || []));
    for (const section of document.querySelectorAll("main > section")) section.hidden = section.id !== "detail";
    $("detail-back").focus();
  }

  function closeDetail() {
    detailShown = null;
    for (const section of document.querySelectorAll("main > section")) {
      section.hidden = section.id !== currentName;
    }
    current.load().catch(report);
  }

  $("detail-back").addEventListener("click", closeDetail);
  $("detail-delete").addEventListener("click", () => {
    if (!detailShown) return;
    api(`messages/${detailShown.id}`, { method: "DELETE" }).then(closeDetail).catch(report);
  });

  // -- tabs, and what is new ----------------------------------------------------------------------
  const tabs = { messages, requests, accounts, scenario };
  let current = messages;
  let currentName = "messages";

  function open(name) {
    for (const button of document.querySelectorAll("[role=tab]")) {
      const selected = button.dataset.tab === name;
      button.setAttribute("aria-selected", String(selected));
    }
    currentName = name;
    detailShown = null;
    for (const section of document.querySelectorAll("main > section")) section.hidden = section.id !== name;
    current = tabs[name];
    current.load().catch(report);
  }

  for (const button of document.querySelectorAll("[role=tab]")) {
    button.addEventListener("click", () => open(button.dataset.tab));
  }

  // one look at a time; a change heard meanwhile is looked at once this one is done
  let looking = false;
  let again = false;
  async function look() {
    if (looking) {
      again = true;
      return;
    }
    looking = true;
    try {
      do {
        again = false;
        if (!tokenNeeded && !detailShown) await current.poll();
      } while (again);
    } catch (error) {
      report(error);
    } finally {
      looking = false;
    }
  }

  // the server's events (GET events, text/event-stream), read with fetch so that the admin token
  // goes along as a header (EventSource sends none); the stream ends now and then, and is opened again
  let live = false;
  let listening = null;
  function liveState(text, on) {
    live = on;
    $("live").textContent = text;
    $("live").classList.toggle("on", on);
  }

  async function listen() {
    for (;;) {
      try {
        const headers = { Accept: "text/event-stream" };
        const token = sessionStorage.getItem(TOKEN_KEY);
        if (token) headers.Authorization = `Bearer ${token}`;
        listening = new AbortController();
        const response = await fetch(apiBase + "events", { headers, cache: "no-store", signal: listening.signal });
        if (response.status === 401) askToken(Boolean(token));
        if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
        liveState("live", true);
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            if (/^event: change$/m.test(block)) look();
          }
        }
      } catch (error) {
        // aborted by useApi: listening again at once, at the new base, is no loss of the stream
        if (error.name === "AbortError") continue;
        liveState("not live: looking every few seconds", false);
      }
      await new Promise((resolve) => setTimeout(resolve, live ? 200 : 1000));
    }
  }

  // only while no event arrives: a proxy that holds them back still gets a page that follows
  setInterval(() => {
    if (!live && !document.hidden) look();
  }, FALLBACK_POLL_MS);

  // -- the workspace --------------------------------------------------------------------------------
  // the sandbox's own state, or one workspace's; the list is the admin's to read (a workspace's
  // own token opens only its page, which the address names)
  async function loadWorkspaces() {
    const picker = $("workspace");
    let listed = [];
    try {
      listed = (await api("workspaces", { base: "" })).workspaces;
    } catch (error) {
      if (!(error instanceof Unauthorized)) report(error);
    }
    const ids = new Set(listed.map((workspace) => workspace.id));
    if (chosen) ids.add(chosen);
    const current = picker.value || chosen;
    while (picker.options.length > 1) picker.remove(1);
    for (const id of ids) {
      const found = listed.find((workspace) => workspace.id === id);
      picker.add(new Option(found ? `${id} (${found.scenario})` : id, id));
    }
    picker.value = ids.has(current) ? current : "";
  }

  $("workspace").addEventListener("focus", () => loadWorkspaces().catch(report));
  $("workspace").addEventListener("change", () => {
    const id = $("workspace").value;
    const address = new URL(location.href);
    if (id) address.searchParams.set("workspace", id);
    else address.searchParams.delete("workspace");
    history.replaceState(null, "", address);
    window.ihuyiInbox.useApi(id ? `workspaces/${id}/` : "");
  });

  async function showVersion() {
    const health = await api("health");
    $("version").textContent = `ihuyi-sandbox ${health.version}`;
  }

  window.ihuyiInbox = {
    /** Read the sandbox API at `base` from now on (a workspace's), and start every view over. */
    useApi(base) {
      apiBase = base;
      if (listening) listening.abort();  // heard again from the new base at once
      productsShown = false;
      shownAccounts = "";
      loadProducts().catch(report);
      open(currentName);
    },
  };

  $("zone-name").textContent = `${Intl.DateTimeFormat().resolvedOptions().timeZone || "local"}, ${offset(new Date())}`;
  takeTokenFromFragment();
  loadWorkspaces().catch(report);
  loadProducts().catch(report);
  showVersion().catch(report);
  open("messages");
  listen();
})();
