// The API page: reads /api/openapi.json and gives each operation a form. Everything the
// document or an answer holds is put in as text, never as HTML.
'use strict';

const tokenField = () => document.getElementById('token');

function element(tag, attributes, ...children) {
  const node = document.createElement(tag);
  Object.entries(attributes || {}).forEach(([key, value]) => {
    if (key === 'text') node.textContent = value;
    else node.setAttribute(key, value);
  });
  children.forEach((child) => node.append(child));
  return node;
}

/** A JSON skeleton of a request body schema, resolving `$ref`s one level at a time. */
function example(schema, document, depth = 0) {
  if (!schema || depth > 4) return null;
  if (schema.$ref) {
    const name = schema.$ref.split('/').pop();
    return example(document.components.schemas[name], document, depth + 1);
  }
  if (schema.example !== undefined) return schema.example;
  if (schema.type === 'object' || schema.properties) {
    const out = {};
    Object.entries(schema.properties || {}).forEach(([key, value]) => {
      out[key] = example(value, document, depth + 1);
    });
    return out;
  }
  if (schema.type === 'array') return [];
  if (schema.type === 'integer' || schema.type === 'number') return 0;
  if (schema.type === 'boolean') return false;
  if (Array.isArray(schema.type)) return null;
  return schema.type === 'string' ? '' : null;
}

async function send(method, path, query, body, output) {
  output.textContent = '…';
  const headers = {};
  const token = tokenField().value.trim();
  if (token) headers.authorization = `Bearer ${token}`;
  const init = { method: method.toUpperCase(), headers };
  if (method !== 'get' && body.trim()) {
    headers['content-type'] = 'application/json';
    init.body = body;
  }
  const url = query.trim() ? `${path}?${query.trim().replace(/^\?/, '')}` : path;
  try {
    const response = await fetch(url, init);
    const text = await response.text();
    let shown = text;
    try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch (_) { /* not JSON */ }
    output.textContent = `${response.status} ${response.statusText}\n\n${shown}`;
  } catch (error) {
    output.textContent = String(error);
  }
}

function operation(path, method, spec, document) {
  const query = element('textarea', { rows: '2', 'aria-label': 'query string' });
  query.value = (spec.parameters || [])
    .filter((p) => p.in === 'query' && p.required)
    .map((p) => `${p.name}=`).join('&');
  const parameters = (spec.parameters || []).filter((p) => p.in === 'query').map((p) => p.name);
  const schema = spec.requestBody && spec.requestBody.content && spec.requestBody.content['application/json'];
  const body = element('textarea', { rows: '6', 'aria-label': 'JSON body' });
  if (schema) body.value = JSON.stringify(example(schema.schema, document), null, 2);
  const output = element('pre', { text: '' });
  const button = element('button', { type: 'button', text: `Send ${method.toUpperCase()}` });
  button.addEventListener('click', () => send(method, path, query.value, schema ? body.value : '', output));
  const details = element('details', { 'data-search': `${path} ${spec.summary || ''}`.toLowerCase() },
    element('summary', {}, element('span', { class: 'method', text: method.toUpperCase() }), ` ${path}`),
    element('p', { class: 'description', text: [spec.summary, spec.description].filter(Boolean).join('\n\n') }),
    element('p', { text: parameters.length ? `Query (${parameters.join(', ')}):` : 'Query:' }),
    query);
  if (schema) details.append(element('p', { text: 'Body (JSON):' }), body);
  details.append(button, output);
  return details;
}

async function load() {
  const main = document.getElementById('operations');
  const document_ = await (await fetch('/api/openapi.json')).json();
  const groups = new Map();
  Object.entries(document_.paths).forEach(([path, methods]) => {
    // One form per path: POST when the action takes values, else GET.
    const method = methods.post ? 'post' : Object.keys(methods)[0];
    const spec = methods[method];
    const tag = (spec.tags && spec.tags[0]) || 'service';
    if (!groups.has(tag)) groups.set(tag, []);
    groups.get(tag).push(operation(path, method, spec, document_));
  });
  main.replaceChildren();
  [...groups.keys()].sort().forEach((tag) => {
    main.append(element('h2', { text: tag }), ...groups.get(tag));
  });
}

document.addEventListener('DOMContentLoaded', () => {
  const field = tokenField();
  const fromLink = new URLSearchParams(window.location.hash.slice(1)).get('token');
  if (fromLink) {
    sessionStorage.setItem('email-manager-token', fromLink);
    // Out of the address bar (and the history) once kept.
    window.history.replaceState(null, '', window.location.pathname);
  }
  field.value = sessionStorage.getItem('email-manager-token') || '';
  field.addEventListener('change', () => sessionStorage.setItem('email-manager-token', field.value.trim()));
  document.getElementById('filter').addEventListener('input', (event) => {
    const wanted = event.target.value.trim().toLowerCase();
    document.querySelectorAll('details').forEach((node) => {
      node.hidden = Boolean(wanted) && !node.dataset.search.includes(wanted);
    });
  });
  load().catch((error) => { document.getElementById('operations').textContent = String(error); });
});
