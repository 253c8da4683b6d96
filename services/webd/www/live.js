// live.js - the live page: refusals and anomalies as lpg-webd sends them
// (server-sent events from /console/live/events), newest first, without
// reloading. The browser's EventSource sends back the last entry it saw,
// so nothing recorded in between is missed.
'use strict';
(function () {
  const tbody = document.querySelector('#table tbody');
  const state = document.getElementById('state');
  if (!tbody) return;
  const es = new EventSource('/console/live/events');
  function add(ev, type) {
    const d = JSON.parse(ev.data);
    const tr = document.createElement('tr');
    tr.className = type;
    tr.dataset.seq = d.seq;
    const words = type === 'refusal' ? '拒绝 refused' : '异常 anomaly';
    const cells = [d.seq, d.time, words + (d.anomalies ? ' · ' + d.anomalies : ''), d.step, d.site, d.cylinder, (d.reasons || []).join(' ')];
    for (const c of cells) {
      const td = document.createElement('td');
      td.textContent = String(c === undefined || c === null ? '' : c);
      tr.appendChild(td);
    }
    tbody.insertBefore(tr, tbody.firstChild);
    while (tbody.children.length > 500) tbody.removeChild(tbody.lastChild);
  }
  es.addEventListener('refusal', (ev) => add(ev, 'refusal'));
  es.addEventListener('anomaly', (ev) => add(ev, 'anomaly'));
  es.addEventListener('mark', () => { state.textContent = '● 已连接 connected'; state.className = 'state on'; });
  es.onerror = () => { state.textContent = '○ 重连中 reconnecting'; state.className = 'state'; };
})();
