// The API docs page: renders the sandbox's OpenAPI description (the body's data-spec, relative to
// this page) as plain DOM, every text set as text, never as markup. No library, no internet.
"use strict";

const VERBS = ["get", "post", "put", "patch", "delete"];

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== null) node.setAttribute(name, value);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

function slug(text) {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "section";
}

function pretty(value) {
  return typeof value === "string" ? value : JSON.stringify(value, null, 2);
}

function schemaText(schema) {
  if (!schema) return "";
  if (schema.$ref) return schema.$ref.split("/").pop();
  const parts = [];
  if (schema.type) parts.push([].concat(schema.type).join(" | "));
  if (schema.enum) parts.push("one of " + schema.enum.map(String).join(", "));
  if (schema.pattern) parts.push("pattern " + schema.pattern);
  if (schema.minimum !== undefined || schema.maximum !== undefined) {
    parts.push(`${schema.minimum ?? ""}…${schema.maximum ?? ""}`);
  }
  if (schema.anyOf || schema.oneOf) parts.push((schema.anyOf || schema.oneOf).map(schemaText).join(" or "));
  return parts.join("; ");
}

function parametersTable(parameters) {
  const rows = parameters.map((p) => el("tr", { "data-testid": "docs-parameter", "data-name": p.name },
    el("td", {}, el("code", {}, p.name)), el("td", {}, p.in), el("td", {}, p.required ? "required" : ""),
    el("td", {}, el("code", { "data-testid": "docs-parameter-schema" }, schemaText(p.schema))),
    el("td", {}, p.description || "")));
  return el("table", {}, el("thead", {}, el("tr", {}, ...["name", "in", "", "accepts", "what"].map((h) => el("th", {}, h)))),
    el("tbody", {}, ...rows));
}

function responses(operation) {
  const list = el("div");
  for (const [status, response] of Object.entries(operation.responses || {})) {
    const block = el("div", { "data-testid": "docs-response" }, el("h4", {}, `${status} · ${response.description || ""}`));
    for (const [type, media] of Object.entries(response.content || {})) {
      block.append(el("p", { class: "note" }, `${type}: ${schemaText(media.schema)}`));
      for (const [name, example] of Object.entries(media.examples || {})) {
        block.append(el("p", {}, example.summary || name),
          el("pre", { "data-testid": "docs-example" }, pretty(example.value)));
      }
    }
    list.append(block);
  }
  return list;
}

function operationNode(path, verb, operation) {
  const body = el("div", {}, operation.description ? el("p", {}, operation.description) : null);
  if (operation.parameters && operation.parameters.length) body.append(el("h4", {}, "Parameters"), parametersTable(operation.parameters));
  if (operation.requestBody) {
    for (const [type, media] of Object.entries(operation.requestBody.content || {})) {
      body.append(el("h4", {}, `Body (${type})`), el("pre", {}, pretty(media.schema)));
    }
  }
  body.append(el("h4", {}, "Answers"), responses(operation));
  return el("details", { class: "operation", id: operation.operationId, "data-testid": "docs-operation" },
    el("summary", {}, el("span", { class: `verb ${verb}` }, verb), el("span", { class: "path", "data-testid": "docs-path" }, path),
      el("span", {}, operation.summary || ""), el("code", { class: "note" }, operation.operationId || "")),
    body);
}

function render(spec) {
  document.getElementById("docs-version").textContent = `${spec.info.title} ${spec.info.version} · OpenAPI ${spec.openapi}`;
  const tags = new Map();
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const verb of VERBS) {
      if (!item[verb]) continue;
      const operation = { ...item[verb], parameters: [...(item.parameters || []), ...(item[verb].parameters || [])] };
      const tag = (operation.tags && operation.tags[0]) || "other";
      if (!tags.has(tag)) tags.set(tag, []);
      tags.get(tag).push(operationNode(path, verb, operation));
    }
  }
  const body = document.getElementById("docs-body");
  const toc = document.getElementById("docs-toc");
  body.replaceChildren();
  toc.replaceChildren();
  for (const [tag, nodes] of tags) {
    const id = "tag-" + slug(tag);
    toc.append(el("a", { href: "#" + id }, tag));
    body.append(el("section", { class: "tag", id, "data-testid": "docs-tag" }, el("h2", {}, tag), ...nodes));
  }
  const schemas = Object.entries((spec.components && spec.components.schemas) || {});
  toc.append(el("a", { href: "#schemas" }, "Schemas"));
  body.append(el("section", { class: "tag", id: "schemas", "data-testid": "docs-tag" }, el("h2", {}, "Schemas"),
    ...schemas.map(([name, schema]) => el("details", { class: "operation", id: "schema-" + name },
      el("summary", {}, el("code", {}, name)), el("div", {}, el("pre", {}, pretty(schema)))))));
  if (location.hash) document.getElementById(location.hash.slice(1))?.setAttribute("open", "");
}

async function load() {
  try {
    const response = await fetch(document.body.dataset.spec, { headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    render(await response.json());
  } catch (error) {
    const note = document.getElementById("docs-error");
    note.textContent = `The API description did not load: ${error.message}`;
    note.hidden = false;
  }
}

load();
