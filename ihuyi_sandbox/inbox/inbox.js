// The sandbox's web inbox: plain JS over the /_sandbox/ JSON API. Every value from the API
// reaches the DOM through textContent or text nodes only.
"use strict";

(() => {
  const PAGE = 50;
  const POLL_MS = 1000;
  // every few polls, the whole first page again: a reset (from anywhere) restarts the ids, which
  // following with `after=<id>` alone would never notice
  const RELOAD_EVERY = 5;
  const TOKEN_KEY = "ihuyi-sandbox-admin-token";

  const $ = (id) => document.getElementById(id);

  class Unauthorized extends Error {}

  let tokenNeeded = false;

  // -- the API ------------------------------------------------------------------------------------
  async function api(path, { method = "GET", body } = {}) {
    const headers = { Accept: "application/json" };
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(path, {
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

  function when(item) {
    const d = new Date(item.timestamp * 1000);
    const text = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} `
      + `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
    return el("time", { datetime: item.time, title: item.time }, text);
  }

  function timeField(item, testid) {
    return el("div", {}, el("dt", {}, "Time"), el("dd", { "data-testid": testid }, when(item)));
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
    let polls = 0;
    let version = 0;

    function url(extra) {
      const params = new URLSearchParams();
      for (const [name, value] of new FormData(filters)) {
        if (value.trim()) params.set(name, value.trim());
      }
      for (const [name, value] of Object.entries(extra)) params.set(name, value);
      return `${key}?${params}`;
    }

    function show(found, fresh = new Set()) {
      items = found.slice(0, PAGE);
      list.replaceChildren(...items.map((item) => {
        const node = render(item);
        if (fresh.has(item.id)) node.classList.add("fresh");
        return node;
      }));
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

    async function poll() {
      if (stack.length) return;
      const top = items[0];
      if (!top || ++polls % RELOAD_EVERY === 0) return load();
      const seen = version;
      const arrived = (await api(url({ after: top.id, limit: PAGE + 1 })))[key];
      if (seen === version && arrived.length) {
        show([...arrived, ...items].slice(0, PAGE + 1), new Set(arrived.map((item) => item.id)));
      }
    }

    function restart() {
      stack = [];
      return load();
    }

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
    el("li", { class: "card message", "data-testid": "message", "data-id": m.id, "data-product": m.product },
      productBadge(m.product, "message-product"),
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
    return el("li", { class: `row ${outcome}`, "data-testid": "request", "data-id": r.id },
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
      $("scenario-rules").replaceChildren(...active.rules.map((rule) => el("li", {}, rule)));
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

  const tabs = { messages, requests, accounts, scenario };
  let current = messages;

  function open(name) {
    for (const button of document.querySelectorAll("[role=tab]")) {
      const selected = button.dataset.tab === name;
      button.setAttribute("aria-selected", String(selected));
      $(button.dataset.tab).hidden = !selected;
    }
    current = tabs[name];
    current.load().catch(report);
  }

  for (const button of document.querySelectorAll("[role=tab]")) {
    button.addEventListener("click", () => open(button.dataset.tab));
  }

  // one poll at a time: the next is scheduled when this one is done
  async function tick() {
    if (!tokenNeeded && !document.hidden) {
      try {
        await current.poll();
      } catch (error) {
        report(error);
      }
    }
    setTimeout(tick, POLL_MS);
  }

  takeTokenFromFragment();
  loadProducts().catch(report);
  open("messages");
  setTimeout(tick, POLL_MS);
})();
