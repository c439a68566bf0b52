// mesh4j dashboard. Plain JavaScript served from the registry's jar: no framework, no build step, no CDN.
//
// It reads GET /v1/dashboard/events, a Server-Sent Events stream of whole snapshots, with fetch rather than
// EventSource, because EventSource cannot send an Authorization header and a token in the URL would land in logs
// and history. The token comes from the URL's fragment once (#token=..., which browsers never send to a server),
// then lives in this tab's sessionStorage only. Every value is put on the page as text, never as HTML.
'use strict';

const EVENTS = '/v1/dashboard/events';
const TOKEN_KEY = 'mesh4j.dashboard.token';
const SVG = 'http://www.w3.org/2000/svg';
const STALE_AFTER_MS = 7000; // three intervals of the registry's two seconds, and a margin

let lastEvent = 0;

function takeTokenFromFragment() {
  const match = /^#token=(.+)$/.exec(window.location.hash);
  if (match) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]));
    history.replaceState(null, '', window.location.pathname + window.location.search);
  }
}

function setStatus(state, text) {
  const status = document.getElementById('status');
  status.dataset.state = state;
  status.textContent = text;
}

function showLogin(message) {
  document.getElementById('mesh').hidden = true;
  document.getElementById('login').hidden = false;
  document.getElementById('login-error').textContent = message || '';
  setStatus('error', 'not connected');
}

async function connect() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const headers = { Accept: 'text/event-stream' };
  if (token) {
    headers.Authorization = 'Bearer ' + token;
  }
  let response;
  try {
    response = await fetch(EVENTS, { headers, cache: 'no-store' });
  } catch (e) {
    return retry('the registry cannot be reached: ' + e.message);
  }
  if (response.status === 401 || response.status === 403) {
    sessionStorage.removeItem(TOKEN_KEY);
    return showLogin(await errorMessage(response));
  }
  if (!response.ok) {
    return retry(await errorMessage(response));
  }
  document.getElementById('login').hidden = true;
  document.getElementById('mesh').hidden = false;
  try {
    await readEvents(response.body.getReader());
    retry('the stream ended');
  } catch (e) {
    retry('the stream broke: ' + e.message);
  }
}

async function errorMessage(response) {
  try {
    const body = await response.json();
    return response.status + ': ' + (body.message || body.error);
  } catch (e) {
    return 'HTTP ' + response.status;
  }
}

function retry(why) {
  setStatus('error', why + '; trying again');
  setTimeout(connect, 2000);
}

// The Server-Sent Events format: events end with a blank line; 'event:' names one, 'data:' lines carry it.
async function readEvents(reader) {
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) {
      return;
    }
    buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, '\n');
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = 'message';
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) {
          name = line.slice(6).trim();
        } else if (line.startsWith('data:')) {
          data.push(line.slice(5).replace(/^ /, ''));
        }
      }
      if (name === 'snapshot' && data.length > 0) {
        render(JSON.parse(data.join('\n')));
      }
    }
  }
}

function percent(rate) {
  return rate === null || rate === undefined ? '–' : (rate * 100).toFixed(2) + '%';
}

function millis(value) {
  if (value === null || value === undefined) {
    return '–';
  }
  return (value < 10 ? value.toFixed(1) : Math.round(value)) + 'ms';
}

function health(rate) {
  if (rate === null || rate === undefined || rate >= 0.99) {
    return '';
  }
  return rate >= 0.95 ? 'warn' : 'bad';
}

function svg(name, attributes, text) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) {
    element.setAttribute(key, value);
  }
  if (text !== undefined) {
    element.textContent = text;
  }
  return element;
}

function render(snapshot) {
  lastEvent = Date.now();
  setStatus('live', 'live · updated ' + new Date(snapshot.now).toLocaleTimeString());
  renderTopology(snapshot);
  renderServices(snapshot);
  renderEdges(snapshot.edges);
  renderServiceDetails(snapshot);
  renderDenials(snapshot);
  renderRoots(snapshot);
}

// Services on an ellipse, in name order, so that a node stays where it was from one snapshot to the next.
function renderTopology(snapshot) {
  const topology = document.getElementById('topology');
  const width = 960, height = 440, radius = 38;
  const positions = new Map();
  const services = snapshot.services;
  services.forEach((service, i) => {
    const angle = services.length === 1 ? 0 : (2 * Math.PI * i) / services.length - Math.PI / 2;
    const spread = services.length === 1 ? 0 : 1;
    positions.set(service.name, {
      x: width / 2 + spread * (width / 2 - 120) * Math.cos(angle),
      y: height / 2 + spread * (height / 2 - 60) * Math.sin(angle),
    });
  });
  const layer = svg('g', {});
  const defs = svg('defs', {});
  const marker = svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: '10', refY: '5', markerWidth: '8',
    markerHeight: '8', orient: 'auto-start-reverse' });
  marker.append(svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', fill: '#57606a' }));
  defs.append(marker);
  layer.append(defs);
  for (const edge of snapshot.edges) {
    const from = positions.get(edge.caller), to = positions.get(edge.service);
    if (!from || !to || edge.caller === edge.service) {
      continue;
    }
    const dx = to.x - from.x, dy = to.y - from.y, length = Math.hypot(dx, dy) || 1;
    const ux = dx / length, uy = dy / length;
    // Each direction is moved a little to its right, so that calls both ways are two arrows, not one line.
    const ox = -uy * 7, oy = ux * 7;
    const group = svg('g', { class: ('edge ' + health(edge.successRate)).trim(),
      'data-edge': edge.caller + '->' + edge.service });
    group.append(svg('line', { x1: from.x + ux * radius + ox, y1: from.y + uy * radius + oy,
      x2: to.x - ux * (radius + 2) + ox, y2: to.y - uy * (radius + 2) + oy, 'marker-end': 'url(#arrow)' }));
    const label = edge.rps.toFixed(2) + ' rps · ' + percent(edge.successRate) + ' · p99 '
      + millis(edge.latencyMs.p99);
    group.append(svg('text', { class: 'edge-label', x: (from.x + to.x) / 2 + ox * 2,
      y: (from.y + to.y) / 2 + oy * 2 - 4 }, label));
    layer.append(group);
  }
  for (const service of services) {
    const at = positions.get(service.name);
    const stats = service.stats;
    const group = svg('g', { class: ('node ' + health(stats ? stats.successRate : null)).trim(),
      'data-service': service.name });
    group.append(svg('circle', { cx: at.x, cy: at.y, r: radius }));
    group.append(svg('text', { class: 'name', x: at.x, y: at.y + 5 }, service.name));
    const detail = (service.instances === 0 ? 'no instance' : service.instances + (service.instances === 1 ? ' instance' : ' instances'))
      + (stats ? ' · ' + stats.rps.toFixed(2) + ' rps' : '');
    group.append(svg('text', { class: 'detail', x: at.x, y: at.y + radius + 16 }, detail));
    layer.append(group);
  }
  topology.replaceChildren(layer);
}

function row(cells, attributes) {
  const tr = document.createElement('tr');
  for (const [key, value] of Object.entries(attributes)) {
    tr.setAttribute(key, value);
  }
  for (const cell of cells) {
    const td = document.createElement('td');
    td.textContent = cell.text;
    if (cell.className) {
      td.className = cell.className;
    }
    tr.append(td);
  }
  return tr;
}

function statCells(stats) {
  if (!stats) {
    return ['–', '–', '0', '–', '–', '–', '–', '–'].map(text => ({ text }));
  }
  return [
    { text: stats.rps.toFixed(2) },
    { text: percent(stats.successRate), className: health(stats.successRate) },
    { text: String(stats.requests) },
    { text: millis(stats.latencyMs.p50) },
    { text: millis(stats.latencyMs.p99) },
    { text: String(stats.retries) },
    { text: String(stats.denials), className: stats.denials > 0 ? 'warn' : '' },
    { text: stats.measuredBy },
  ];
}

function renderServices(snapshot) {
  const body = document.querySelector('#services tbody');
  body.replaceChildren(...snapshot.services.map(service => {
    const tr = row(
      [{ text: service.name }, { text: String(service.instances) }, ...statCells(service.stats)],
      { 'data-service': service.name });
    // The links a service leads to: its instances, routes and policy, in its section below.
    const links = document.createElement('td');
    links.className = 'links';
    for (const [what, label] of [['instances', 'instances'], ['routes', 'routes'], ['policy', 'policy']]) {
      links.append(link('#' + anchor(service.name, what), label), ' ');
    }
    tr.append(links);
    return tr;
  }));
}

function renderEdges(edges) {
  const body = document.querySelector('#edges tbody');
  body.replaceChildren(...edges.map(edge => row(
    [{ text: edge.caller }, { text: edge.service }, ...statCells(edge)],
    { 'data-edge': edge.caller + '->' + edge.service })));
}

// ---- the panels below the topology: each service's instances, routes and policy; denials; the CA's roots.

function anchor(service, what) {
  return 'service-' + service + (what ? '-' + what : '');
}

function link(href, text) {
  const a = document.createElement('a');
  a.href = href;
  a.textContent = text;
  return a;
}

function element(name, text, attributes) {
  const e = document.createElement(name);
  if (text !== undefined && text !== null) {
    e.textContent = text;
  }
  for (const [key, value] of Object.entries(attributes || {})) {
    e.setAttribute(key, value);
  }
  return e;
}

// A table with a header row and one row per item; cells are text or { text, className }.
function table(headings, items, cellsOf, attributesOf) {
  const t = element('table');
  const head = element('tr');
  headings.forEach(h => head.append(element('th', h)));
  t.append(element('thead'));
  t.tHead.append(head);
  const body = element('tbody');
  for (const item of items) {
    body.append(row(cellsOf(item).map(c => (typeof c === 'object' && c !== null ? c : { text: String(c) })),
      attributesOf ? attributesOf(item) : {}));
  }
  t.append(body);
  return t;
}

function labels(map) {
  const entries = Object.entries(map || {});
  return entries.length === 0 ? '–' : entries.map(([k, v]) => k + '=' + v).join(' ');
}

// How long from the snapshot's now to an instant: '3d 4h', '5h 12m', '42m', 'expired 3m ago'.
function until(now, at) {
  const ms = Date.parse(at) - Date.parse(now);
  const text = span(Math.abs(ms));
  return ms < 0 ? 'expired ' + text + ' ago' : 'in ' + text;
}

function span(ms) {
  const minutes = Math.floor(ms / 60000), hours = Math.floor(minutes / 60), days = Math.floor(hours / 24);
  if (days > 30) {
    return days + 'd';
  }
  if (days > 0) {
    return days + 'd ' + (hours % 24) + 'h';
  }
  if (hours > 0) {
    return hours + 'h ' + (minutes % 60) + 'm';
  }
  return minutes > 0 ? minutes + 'm' : Math.floor(ms / 1000) + 's';
}

// A member running from its last-known-good state (what it saved on disk, as the registry could not be asked) says
// so in its reports; an older member, or one running from the registry's answers, sends nothing.
function lastKnownGood(now, state) {
  if (!state) {
    return 'from the registry';
  }
  const age = span(Math.max(0, Date.parse(now) - Date.parse(state.since)));
  return state.stale
    ? { text: 'last-known-good of ' + age + ' ago: stale', className: 'bad' }
    : { text: 'last-known-good of ' + age + ' ago', className: 'warn' };
}

function expiryClass(now, at, warnMs) {
  const ms = Date.parse(at) - Date.parse(now);
  return ms < 0 ? 'bad' : ms < warnMs ? 'warn' : '';
}

function heartbeat(instance) {
  if (instance.heartbeatAgeSeconds === null || instance.heartbeatAgeSeconds === undefined) {
    return { text: 'unknown' };
  }
  const text = instance.heartbeatAgeSeconds.toFixed(1) + 's ago (TTL ' + instance.ttlSeconds + 's)';
  return { text, className: instance.heartbeatAgeSeconds > instance.ttlSeconds / 2 ? 'warn' : '' };
}

function percentShare(weight, total) {
  return total > 0 ? Math.round((weight * 1000) / total) / 10 + '%' : '–';
}

function split(rule) {
  const total = (rule.route || []).reduce((sum, entry) => sum + entry.weight, 0);
  const parts = (rule.route || []).map(entry => labels(entry.subset) + ' ' + percentShare(entry.weight, total));
  return parts.length === 0 ? 'every instance' : parts.join(' · ');
}

function match(rule) {
  const m = rule.match || {};
  const parts = [];
  if (m.path) {
    const [kind, value] = Object.entries(m.path)[0];
    parts.push(kind + ' ' + value);
  }
  if (m.methods && m.methods.length > 0) {
    parts.push(m.methods.join(','));
  }
  for (const [name, value] of Object.entries(m.headers || {})) {
    parts.push(name + ': ' + value);
  }
  return parts.length === 0 ? 'every request' : parts.join(' · ');
}

function ruleDetails(rule) {
  const parts = [];
  if (rule.timeout) parts.push('timeout ' + rule.timeout);
  if (rule.perAttemptTimeout) parts.push('per attempt ' + rule.perAttemptTimeout);
  if (rule.retry) parts.push('retry ×' + rule.retry.attempts + (rule.retry.on ? ' on ' + rule.retry.on.join(',') : ''));
  if (rule.hedge) parts.push('hedge ×' + rule.hedge.maxAttempts + (rule.hedge.delay ? ' after ' + rule.hedge.delay : ''));
  if (rule.fault) {
    if (rule.fault.delay) parts.push('fault delay ' + rule.fault.delay.percent + '%');
    if (rule.fault.abort) parts.push('fault abort ' + rule.fault.abort.percent + '% → ' + rule.fault.abort.status);
  }
  if (rule.rateLimit) parts.push(rule.rateLimit.requestsPerSecond + ' rps' + (rule.rateLimit.perCaller ? ' per caller' : ''));
  if (rule.concurrencyLimit) parts.push('≤' + rule.concurrencyLimit + ' at once');
  if (rule.outlier) parts.push('ejects after ' + rule.outlier.consecutiveFailures + ' failures');
  if (rule.fallback) parts.push('fallback ' + labels(rule.fallback));
  return parts.length === 0 ? '–' : parts.join(' · ');
}

function block(service, what, title, content, hint) {
  const div = element('div', null, { id: anchor(service, what), class: 'block' });
  div.append(element('h4', title));
  if (hint) {
    div.append(element('p', hint, { class: 'hint' }));
  }
  div.append(content);
  return div;
}

function renderServiceDetails(snapshot) {
  const now = snapshot.now;
  const sections = [];
  const byService = (items, name) => items.filter(item => item.service === name);
  // A service with a route config or a policy but no instance and no traffic has a section too.
  const names = new Set(snapshot.services.map(service => service.name));
  snapshot.routes.forEach(r => names.add(r.service));
  snapshot.policies.forEach(p => names.add(p.service));
  for (const name of [...names].sort()) {
    const section = element('section', null, { id: anchor(name), class: 'service', 'data-service': name });
    section.append(element('h3', name));

    const instances = byService(snapshot.instances, name);
    const totalWeight = instances.reduce((sum, i) => sum + i.weight, 0);
    const count = (snapshot.services.find(s => s.name === name) || { instances: 0 }).instances;
    // The registry lists at most 100 instances of a service; the count says how many there are.
    section.append(block(name, 'instances', 'Instances',
      instances.length === 0 ? element('p', 'No instance is registered.', { class: 'none' })
        : table(['instance', 'zone', 'labels', 'weight', 'share', 'heartbeat'], instances,
          i => [i.id, i.zone || '–', labels(i.labels), i.weight, percentShare(i.weight, totalWeight), heartbeat(i)],
          i => ({ 'data-instance': i.id })),
      count > instances.length ? (count - instances.length) + ' more not listed; shares are among those listed.'
        : null));

    const members = byService(snapshot.members, name);
    if (members.length > 0) {
      section.append(block(name, 'members', 'Reporting members',
        table(['member', 'last report', 'workload certificate', 'state'], members,
          m => [m.reporter, span(Math.max(0, Date.parse(now) - Date.parse(m.lastReport))) + ' ago',
            m.certificateExpiresAt === null ? 'not reported'
              : { text: 'expires ' + until(now, m.certificateExpiresAt), className: expiryClass(now, m.certificateExpiresAt, 3600000) },
            lastKnownGood(now, m.lastKnownGood)],
          m => ({ 'data-member': m.reporter }))));
    }

    const routes = snapshot.routes.find(r => r.service === name);
    section.append(block(name, 'routes', 'Routes in force',
      !routes ? element('p', 'No route config: every request goes to every instance, by weight.', { class: 'none' })
        : table(['rule', 'match', 'split', 'also'], routes.config.rules,
          rule => [rule.name, match(rule), split(rule), ruleDetails(rule)],
          rule => ({ 'data-rule': rule.name })),
      routes ? 'At index ' + routes.index + '; header values are not shown.' : null));

    const routeStats = byService(snapshot.routeStats, name);
    if (routeStats.length > 0) {
      section.append(block(name, 'route-stats', 'Per route, last ' + snapshot.window,
        table(['route', 'rps', 'success', 'requests', 'p50', 'p99', 'retries', 'denied', 'seen by'], routeStats,
          r => [r.route, ...statCells(r)])));
    }

    const policy = snapshot.policies.find(p => p.service === name);
    section.append(block(name, 'policy', 'Access policy',
      !policy ? element('p', 'No access policy: @AllowCallers annotations and the mesh-wide default ('
          + snapshot.meshDefault + ') decide.', { class: 'none' })
        : table(['routes', 'methods', 'callers allowed'], policy.policy.rules,
          rule => [(rule.routes || []).join(' ') || 'every route', (rule.methods || []).join(',') || 'every method',
            (rule.allowCallers || []).join(', ') || 'none']),
      policy ? policyHint(policy) : null));
    sections.push(section);
  }
  document.getElementById('service-details').replaceChildren(...sections);
}

// What decides the requests the rules do not allow: see AccessPolicy.
function policyHint(policy) {
  const rules = policy.policy.rules || [];
  const rest = policy.policy.default
    ? 'A request no rule covers goes to its @AllowCallers annotations, then to this policy\'s default: '
      + policy.policy.default + '.'
    : (rules.length === 0 ? 'No rule: it refuses every caller.' : 'A request no rule allows is refused.');
  return rest + ' At index ' + policy.index + '.';
}

function renderDenials(snapshot) {
  const panel = document.getElementById('denials-body');
  document.getElementById('denials-window').textContent = span(parseInt(snapshot.denialsWindow, 10) * 1000);
  panel.replaceChildren(snapshot.denials.length === 0
    ? element('p', 'No call was refused.', { class: 'none' })
    : table(['caller', 'service', 'route', 'denied', 'of requests'], snapshot.denials,
      d => [d.caller, { text: d.service }, d.route, { text: String(d.denials), className: 'bad' }, d.requests],
      d => ({ 'data-denial': d.caller + '->' + d.service })));
}

function renderRoots(snapshot) {
  const panel = document.getElementById('roots-body');
  panel.replaceChildren(snapshot.roots.length === 0
    ? element('p', 'This registry runs without TLS: it has no CA.', { class: 'none' })
    : table(['root', 'valid from', 'expires', 'SHA-256'], snapshot.roots,
      r => [r.subject, r.notBefore.slice(0, 10), { text: r.notAfter.slice(0, 10) + ' (' + until(snapshot.now, r.notAfter) + ')',
        className: expiryClass(snapshot.now, r.notAfter, 30 * 24 * 3600000) }, r.sha256.slice(0, 23) + '…']));
}

document.getElementById('login').addEventListener('submit', event => {
  event.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, document.getElementById('token').value.trim());
  setStatus('connecting', 'connecting…');
  connect();
});

setInterval(() => {
  if (lastEvent > 0 && Date.now() - lastEvent > STALE_AFTER_MS) {
    setStatus('stale', 'no update for ' + Math.round((Date.now() - lastEvent) / 1000) + 's');
  }
}, 1000);

takeTokenFromFragment();
connect();
