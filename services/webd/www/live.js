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
  // Until something happens, the table says it is waiting.
  const wait = document.createElement('tr');
  wait.className = 'empty';
  const wtd = document.createElement('td');
  wtd.colSpan = 7;
  wtd.textContent = '等待新的拒绝或异常… Waiting for new refusals and anomalies…';
  wait.appendChild(wtd);
  tbody.appendChild(wait);
  function add(ev, type) {
    if (wait.parentNode) wait.remove();
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
  // The server answers what is new and ends; the browser comes back after
  // the retry time it was given, sending the last id it saw. So an error
  // while reconnecting is the normal rhythm: the feed is down only when no
  // answer came for a while.
  let seen = 0;
  function show() {
    const on = Date.now() - seen < 5000;
    state.textContent = on ? '● 已连接 connected' : (es.readyState === EventSource.CLOSED ? '○ 已断开 disconnected' : '○ 重连中 reconnecting');
    state.className = on ? 'state on' : 'state';
  }
  es.addEventListener('mark', () => { seen = Date.now(); show(); });
  es.onerror = show;
  setInterval(show, 1000);
})();
