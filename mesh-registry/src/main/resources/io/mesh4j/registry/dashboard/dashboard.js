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
  renderServices(snapshot.services);
  renderEdges(snapshot.edges);
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

function renderServices(services) {
  const body = document.querySelector('#services tbody');
  body.replaceChildren(...services.map(service => row(
    [{ text: service.name }, { text: String(service.instances) }, ...statCells(service.stats)],
    { 'data-service': service.name })));
}

function renderEdges(edges) {
  const body = document.querySelector('#edges tbody');
  body.replaceChildren(...edges.map(edge => row(
    [{ text: edge.caller }, { text: edge.service }, ...statCells(edge)],
    { 'data-edge': edge.caller + '->' + edge.service })));
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
