// SPDX-License-Identifier: GPL-2.0-or-later
//
// Signet's web console: a single page over signetd's JSON API. The token lives in
// sessionStorage and goes out as X-API-Key. Everything that comes from the API is put into the
// DOM as text (textContent, text nodes, attribute values): zone names and audit details are
// written by tenants, so no data ever reaches innerHTML.
'use strict';

(function () {
  const TOKEN = 'signet-token';
  const API = '/api/v1/signet';
  const SVGNS = 'http://www.w3.org/2000/svg';
  let me = null; // GET /whoami
  let routeStart = 0; // when the page being shown was asked for (performance.now())

  const byId = (id) => document.getElementById(id);

  // An element with attributes and children (strings become text nodes).
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, String(v));
    }
    for (const c of children.flat()) {
      if (c === undefined || c === null) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  function svg(tag, attrs, text) {
    const e = document.createElementNS(SVGNS, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = String(text);
    return e;
  }

  function statusSpan(s) {
    return el('span', { class: 'status-' + String(s).replace(/[^a-z]/g, '') }, s);
  }

  function zoneLink(zone) {
    return el('a', { href: '#/zone/' + encodeURIComponent(zone), class: 'zone-link' }, zone);
  }

  function table(id, headers, rows, empty) {
    if (!rows.length) return el('p', { id: id, class: 'muted empty' }, empty || 'none');
    return el('table', { id: id },
      el('thead', {}, el('tr', {}, headers.map((h) => el('th', {}, h)))),
      el('tbody', {}, rows.map((r) => el('tr', {}, r.map((c) => c instanceof Node ? el('td', {}, c) : el('td', {}, c === undefined || c === null ? '' : String(c)))))));
  }

  function card(id, title, ...body) {
    return el('section', { id: id, class: 'card' }, el('h2', {}, title), body);
  }

  function token() { return sessionStorage.getItem(TOKEN); }

  // A JSON call with the token; 401 signs out.
  async function api(path, method) {
    const r = await fetch(path, {
      method: method || 'GET',
      headers: { 'X-API-Key': token() || '' },
      cache: 'no-store',
      credentials: 'omit',
    });
    let body = null;
    try { body = await r.json(); } catch (e) { body = null; }
    if (r.status === 401) {
      signOut('The token was rejected (expired or revoked?)');
      throw new Error('unauthorized');
    }
    return { status: r.status, body: body };
  }

  function fail(message) { byId('error').textContent = message; }

  function signOut(message) {
    sessionStorage.removeItem(TOKEN);
    me = null;
    byId('nav').hidden = true;
    byId('page').hidden = true;
    byId('page').replaceChildren();
    byId('signin').hidden = false;
    byId('signin-error').textContent = message || '';
  }

  async function signIn() {
    const t = byId('token').value.trim();
    if (!t) return;
    sessionStorage.setItem(TOKEN, t);
    byId('token').value = '';
    await start();
  }

  async function start() {
    if (!token()) { signOut(); return; }
    try {
      const r = await api(API + '/whoami');
      if (r.status !== 200) { signOut('Sign-in failed (' + r.status + ')'); return; }
      me = r.body;
    } catch (e) { return; }
    byId('signin').hidden = true;
    byId('nav').hidden = false;
    byId('who').textContent = me.operator ? 'operator (' + me.role + ')' : 'tenant ' + me.tenant + ' (' + me.role + ')';
    byId('page').hidden = false;
    route();
  }

  // ---------------------------------------------------------------- routing

  function route() {
    if (!me) return;
    fail('');
    routeStart = performance.now();
    const h = location.hash || '#/';
    let p;
    if (h.startsWith('#/zone/')) p = zonePage(decodeURIComponent(h.slice(7)));
    else if (h.startsWith('#/audit')) p = auditPage(new URLSearchParams(h.split('?')[1] || ''));
    else p = overviewPage();
    p.catch((e) => { if (e.message !== 'unauthorized') fail('Error: ' + e.message); });
  }

  function show(...children) {
    const page = byId('page');
    page.replaceChildren(...children);
    // How long the page took, its API calls included (the browser tests read it).
    page.setAttribute('data-render-ms', String(Math.round(performance.now() - routeStart)));
    page.setAttribute('data-loaded', location.hash || '#/');
  }

  // ---------------------------------------------------------------- overview

  function histogram(buckets) {
    const w = 560, h = 200, pad = 30, max = Math.max(1, ...buckets.map((b) => b.zones));
    const s = svg('svg', { id: 'expiry-chart', width: w, height: h + 40, role: 'img' });
    s.append(svg('title', {}, 'Earliest signature expiry per secured zone'));
    const bw = (w - pad) / buckets.length;
    buckets.forEach((b, i) => {
      const bh = Math.round((h - 20) * b.zones / max);
      const x = pad + i * bw;
      s.append(svg('rect', { x: x + 4, y: h - bh, width: bw - 8, height: bh, class: i === 0 ? 'bar bar-expired' : 'bar' }));
      s.append(svg('text', { x: x + bw / 2, y: h - bh - 4, 'text-anchor': 'middle', class: 'bar-count' }, b.zones));
      s.append(svg('text', { x: x + bw / 2, y: h + 16, 'text-anchor': 'middle' }, b.bucket));
    });
    s.append(svg('line', { x1: pad, y1: h, x2: w, y2: h, stroke: '#555' }));
    return s;
  }

  function needsRows(zones) {
    return zones.map((z) => [statusSpan(z.status), zoneLink(z.zone), z.tenant, z.reasons.join('; '), z.earliest_expiry]);
  }

  async function overviewPage() {
    const r = await api(API + '/overview?limit=50');
    if (r.status !== 200) throw new Error((r.body && r.body.error) || 'overview: ' + r.status);
    const o = r.body;
    const counts = el('div', { id: 'counts', class: 'counts' },
      [['zones', o.zones], ['secured', o.secured], ['ok', o.counts.ok], ['warning', o.counts.warning], ['critical', o.counts.critical]]
        .map(([k, v]) => el('div', { class: 'count status-' + k, id: 'count-' + k }, el('b', {}, v), k)),
      el('div', { class: 'count', id: 'count-store' }, el('b', {}, o.store.status), 'store'));
    const needs = table('needs-human', ['status', 'zone', 'tenant', 'why', 'earliest expiry'], needsRows(o.needs_human.zones), 'nothing: every zone is ok');
    const needsCard = card('needs-human-card', 'Needs a human today (' + o.needs_human.total + ')', needs);
    let cursor = o.needs_human.next_cursor;
    if (cursor) {
      const more = el('button', { type: 'button', id: 'needs-more' }, 'More');
      more.addEventListener('click', async () => {
        const n = await api(API + '/overview?limit=50&cursor=' + encodeURIComponent(cursor));
        const body = needs.querySelector('tbody');
        for (const row of needsRows(n.body.needs_human.zones))
          body.append(el('tr', {}, row.map((c) => el('td', {}, c))));
        cursor = n.body.needs_human.next_cursor;
        if (!cursor) more.remove();
      });
      needsCard.append(more);
    }
    const capped = (x) => x.total > x.zones.length ? ' (first ' + x.zones.length + ' of ' + x.total + ')' : ' (' + x.total + ')';
    show(
      counts,
      needsCard,
      el('div', { class: 'grid' },
        card('rollovers', 'Rollovers in flight' + capped(o.rollovers),
          table('rollovers-table', ['zone', 'tenant', 'rollover', 'step', 'waits for'],
            o.rollovers.zones.map((z) => [zoneLink(z.zone), z.tenant, z.rollover, z.status, z.waits_for]))),
        card('ds-mismatches', 'DS mismatches' + capped(o.ds_mismatches),
          table('ds-table', ['zone', 'tenant', 'parent DS', 'why'],
            o.ds_mismatches.zones.map((z) => [zoneLink(z.zone), z.tenant, statusSpan(z.parent_ds), z.reasons.join('; ')]))),
        card('monitor-failures', 'Monitor failures' + capped(o.monitor_failures),
          table('monitor-table', ['zone', 'tenant', 'status', 'what resolvers see'],
            o.monitor_failures.zones.map((z) => [zoneLink(z.zone), z.tenant, statusSpan(z.status), z.reasons.join('; ')]))),
        card('expiry', 'Signature expiry horizon (earliest RRSIG per zone)', histogram(o.expiry_histogram))));
  }

  // ---------------------------------------------------------------- zone

  const t = (s) => (s && s !== '-' ? Date.parse(s) / 1000 : null);

  function keyTimeline(keys) {
    const now = Date.now() / 1000;
    const times = [now];
    for (const k of keys) for (const f of ['publish', 'activate', 'inactive', 'remove']) if (t(k[f])) times.push(t(k[f]));
    let lo = Math.min(...times), hi = Math.max(...times);
    const span = Math.max(hi - lo, 86400);
    lo -= span * 0.05; hi += span * 0.15;
    const w = 760, left = 130, row = 26;
    const x = (v) => left + (w - left - 10) * (v - lo) / (hi - lo);
    const s = svg('svg', { id: 'key-timeline', width: w, height: keys.length * row + 40, role: 'img' });
    s.append(svg('title', {}, 'Key lifecycle: published, active, retired, removed'));
    keys.forEach((k, i) => {
      const y = 10 + i * row;
      s.append(svg('text', { x: 4, y: y + 14 }, k.role + ' ' + k.tag + ' (' + k.state + ')'));
      const segs = [['published', k.publish, k.activate], ['active', k.activate, k.inactive], ['retired', k.inactive, k.remove]];
      for (const [name, a, b] of segs) {
        const from = t(a); if (!from) continue;
        const to = t(b) || hi;
        const cls = 'seg-' + name + (from > now ? ' planned' : '');
        const r = svg('rect', { x: x(from), y: y, width: Math.max(2, x(to) - x(from)), height: 18, class: cls });
        r.append(svg('title', {}, name + ' from ' + a + (t(b) ? ' to ' + b : '')));
        s.append(r);
      }
      if (t(k.remove)) s.append(svg('text', { x: x(t(k.remove)) + 2, y: y + 14 }, 'removed'));
    });
    const ny = keys.length * row + 14;
    s.append(svg('line', { x1: x(now), y1: 4, x2: x(now), y2: ny, class: 'now-line' }));
    s.append(svg('text', { x: x(now) - 10, y: ny + 12 }, 'now'));
    s.append(svg('text', { x: left, y: ny + 24 }, new Date(lo * 1000).toISOString().slice(0, 10)));
    s.append(svg('text', { x: w - 80, y: ny + 24 }, new Date(hi * 1000).toISOString().slice(0, 10)));
    return s;
  }

  async function allAudit(query) {
    let cursor = '0', out = [];
    for (let i = 0; i < 20 && cursor; i++) {
      const r = await api(API + '/audit?limit=1000&cursor=' + cursor + query);
      if (r.status !== 200) throw new Error((r.body && r.body.error) || 'audit: ' + r.status);
      out = out.concat(r.body.entries);
      cursor = r.body.next_cursor;
    }
    return out;
  }

  function auditTable(id, entries) {
    return table(id, ['seq', 'time', 'tenant', 'zone', 'kind', 'actor', 'detail'],
      entries.map((e) => [e.seq, e.time, e.tenant, e.zone, e.kind, e.actor,
        el('span', { class: 'detail' }, typeof e.detail === 'string' ? e.detail : JSON.stringify(e.detail))]), 'no entries');
  }

  function monitorCard(m) {
    if (!m) return card('monitor', 'Validation monitor', el('p', { id: 'monitor-none', class: 'muted' }, 'no monitor results yet'));
    const resolvers = table('monitor-resolvers', ['resolver', 'state', 'EDE', 'latency', 'at', 'detail'],
      (m.resolvers || []).map((r) => [r.resolver, statusSpan(r.state), r.ede === null || r.ede === undefined ? '' : r.ede + ' ' + (r.ede_text || ''), r.latency_ms + ' ms', r.at, r.detail]));
    const history = table('monitor-history', ['at', 'resolver', 'state', 'EDE'],
      (m.history || []).map((h) => [h.at, h.resolver, statusSpan(h.state), h.ede === null || h.ede === undefined ? '' : h.ede + ' ' + (h.ede_text || '')]));
    return card('monitor', 'Validation monitor',
      el('p', {}, 'Status: ', statusSpan(m.status), ' — checked ', m.checked_at || 'never'),
      el('h3', {}, 'Resolvers'), resolvers, el('h3', {}, 'History'), history);
  }

  function dsCard(d, m) {
    const p = d.parent || {};
    const servers = m && m.parent_ds && m.parent_ds.servers ? m.parent_ds.servers : [];
    return card('ds', 'DS at the parent',
      el('h3', {}, 'Expected (from the zone\'s keys)'),
      el('ul', { id: 'ds-expected' }, (d.ds || []).map((x) => el('li', { class: 'detail' }, x))),
      el('p', {}, 'Parent as last checked by the key manager (' + (p.checked || '-') + '): ', el('b', { id: 'ds-parent' }, p.ds || 'none'),
        p.unknown_ds ? ' and ' + p.unknown_ds + ' DS matching no key' : '', p.error ? ' — ' + p.error : ''),
      el('h3', {}, 'Each parent server (monitor)'),
      table('ds-servers', ['server', 'state', 'DS served'], servers.map((s) => [s.server, statusSpan(s.state), (s.ds || []).join(', ')]),
        m ? 'no parent servers checked' : 'no monitor results yet'));
  }

  function pendingCard(zone, pending) {
    const canApprove = me && me.may_approve;
    const rows = pending.map((p) => {
      const b = el('button', { type: 'button', class: 'approve', 'data-step': p.step, disabled: !canApprove, title: canApprove ? 'Approve this step' : 'Needs an approver token' }, 'Approve');
      b.addEventListener('click', async () => {
        b.disabled = true;
        const r = await api(API + '/zones/' + encodeURIComponent(zone) + '/pending/' + encodeURIComponent(p.step) + '/approve', 'POST');
        const msg = r.status === 200 ? 'approved: ' + r.body.approved.join('; ') : 'approval refused: ' + ((r.body && r.body.error) || r.status);
        await zonePage(zone);
        byId('zone-message').textContent = msg;
      });
      return [p.actions.join('; '), canApprove ? b : el('span', { class: 'muted' }, 'an approver token can approve')];
    });
    return card('pending', 'Steps awaiting approval', table('pending-table', ['step', ''], rows, 'nothing awaits approval'));
  }

  async function zonePage(zone) {
    const z = encodeURIComponent(zone);
    const [d, h, p, m] = await Promise.all([
      api(API + '/zones/' + z + '/dnssec'), api(API + '/zones/' + z + '/health'),
      api(API + '/zones/' + z + '/pending'), api(API + '/zones/' + z + '/monitor')]);
    if (d.status !== 200) throw new Error((d.body && d.body.error) || 'zone: ' + d.status);
    const audit = await allAudit('&zone=' + z);
    const dn = d.body, he = h.body || {}, mon = m.status === 200 ? m.body : null;
    const parts = [
      el('h2', { id: 'zone-title' }, zone),
      el('p', { id: 'zone-message', class: 'message' }),
      card('zone-health', 'Health', el('p', {}, statusSpan(he.status || '?'), ' ', (he.reasons || []).join('; ')),
        dn.secured ? el('p', {}, 'Policy ', el('b', {}, he.policy || dn.policy || ''), ', ', dn.denial || '', '; rollover: ', dn.rollover || 'none', ' — ', dn.status || '') : el('p', {}, 'unsigned')),
    ];
    if (dn.secured) {
      const exp = t(he.earliest_rrsig_expiry), ref = t(he.next_refresh);
      const days = (v) => v ? ((v - Date.now() / 1000) / 86400).toFixed(1) + ' d' : '-';
      parts.push(
        card('keys', 'Keys', keyTimeline(dn.keys || []),
          table('keys-table', ['tag', 'role', 'algorithm', 'state', 'published', 'active', 'retired', 'removed', 'next'],
            (dn.keys || []).map((k) => [k.tag, k.role, k.algorithm, k.state, k.publish, k.activate, k.inactive, k.remove, k.next_event]))),
        card('expiry', 'Signature expiry',
          el('p', { id: 'expiry-text' }, 'Earliest signature expiry ', el('b', {}, he.earliest_rrsig_expiry || '-'), ' (in ' + days(exp) + '); refresh point ',
            el('b', {}, he.next_refresh || '-'), ' (in ' + days(ref) + ')',
            exp && ref ? (ref < exp ? ' — signatures are refreshed before they expire' : ' — the refresh point is past the expiry!') : '')),
        dsCard(dn, mon),
        card('cds', 'CDS / CDNSKEY', el('p', {}, 'State: ', el('b', { id: 'cds-state' }, dn.cds || 'none')),
          table('cds-table', ['type', 'record'], (dn.cds_records || []).map((r) => ['CDS', r]).concat((dn.cdnskey_records || []).map((r) => ['CDNSKEY', r])), 'no CDS/CDNSKEY published')),
        pendingCard(zone, p.status === 200 ? p.body.pending : []));
    }
    parts.push(monitorCard(mon),
      card('zone-audit', 'Audit trail (newest first)', auditTable('zone-audit-table', audit.slice(-200).reverse())));
    show(...parts);
  }

  // ---------------------------------------------------------------- audit

  async function auditPage(params) {
    const zone = params.get('zone') || '', from = params.get('from') || '', to = params.get('to') || '';
    const zi = el('input', { id: 'audit-zone', placeholder: 'zone (all)', value: zone });
    const fi = el('input', { id: 'audit-from', type: 'date', value: from });
    const ti = el('input', { id: 'audit-to', type: 'date', value: to });
    const apply = el('button', { type: 'button', id: 'audit-apply' }, 'Apply');
    apply.addEventListener('click', () => {
      const q = new URLSearchParams();
      if (zi.value.trim()) q.set('zone', zi.value.trim());
      if (fi.value) q.set('from', fi.value);
      if (ti.value) q.set('to', ti.value);
      location.hash = '#/audit?' + q.toString();
    });
    let query = '';
    if (zone) query += '&zone=' + encodeURIComponent(zone);
    if (from) query += '&since=' + encodeURIComponent(from + 'T00:00:00Z');
    if (to) {
      const next = new Date(Date.parse(to + 'T00:00:00Z') + 86400000).toISOString().slice(0, 19) + 'Z';
      query += '&until=' + encodeURIComponent(next);
    }
    const [v, entries] = await Promise.all([api(API + '/audit/verify'), allAudit(query)]);
    const verdict = v.status !== 200 ? el('p', { id: 'chain-verdict', class: 'error' }, 'chain check failed: ' + v.status)
      : v.body.ok ? el('p', { id: 'chain-verdict', class: 'status-ok' }, 'Chain intact: every hash and link verifies (' + v.body.entries + ' entries' + (v.body.head ? ', head ' + v.body.head : '') + ')')
        : el('div', { id: 'chain-verdict', class: 'status-critical' }, 'Chain BROKEN:', el('ul', {}, v.body.problems.map((p) => el('li', {}, p))));
    show(el('h2', {}, 'Audit log'),
      card('audit-chain', 'Chain check', verdict),
      el('div', { class: 'filters card' }, 'Zone ', zi, ' from ', fi, ' to ', ti, apply),
      card('audit-entries', 'Entries (' + entries.length + ', newest first)', auditTable('audit-table', entries.slice().reverse())));
  }

  // ---------------------------------------------------------------- start

  document.addEventListener('DOMContentLoaded', () => {
    byId('signin-button').addEventListener('click', signIn);
    byId('token').addEventListener('keydown', (e) => { if (e.key === 'Enter') signIn(); });
    byId('signout').addEventListener('click', () => signOut());
    window.addEventListener('hashchange', route);
    start();
  });
})();
