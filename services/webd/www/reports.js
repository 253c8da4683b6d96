// reports.js - one report page of the console: fetches the report's JSON
// (/console/api/reports/<name>, the numbers of `lpgtrace report <name>
// --json`), shows its rows as a table, draws a chart of them with ECharts
// (served by lpg-webd from /console/vendor/), and offers them as CSV.
'use strict';
(function () {
  const section = document.getElementById('report');
  if (!section) return;
  const name = section.dataset.report;
  const status = document.getElementById('status');

  // What each report's rows hold, and how to chart them.
  const KINDS = {
    refused: {
      rows: (d) => d.rows,
      cols: ['site', 'reason', 'count'],
      heads: ['充装站 Station', '原因 Reason', '次数 Count'],
      summary: (d, rows) => (d.denied_checks !== undefined
        ? `拒绝充装 ${d.denied_checks} 次 · Refused fill checks: ${d.denied_checks}`
        : `原因计数合计 ${sum(rows, 'count')} · Reasons counted: ${sum(rows, 'count')}`),
      chart: (rows) => stacked(rows, 'site', 'reason', 'count'),
    },
    overdue: {
      rows: (d) => d.rows,
      cols: ['cylinder', 'serial', 'owner', 'next_inspection', 'custody', 'holder', 'last_site', 'status'],
      heads: ['气瓶 Cylinder', '钢印号 Serial', '企业 Company', '应检日期 Due', '位置 Custody', '持有 Holder', '最后地点 Last site', '状态 Status'],
      summary: (d, rows) => `逾期未检 ${rows.length} 只 · Overdue: ${rows.length}`,
      chart: (rows) => counted(rows, 'owner'),
    },
    hazards: {
      rows: (d) => d.rows,
      cols: ['hazard', 'user', 'item', 'severity', 'deadline', 'escalated', 'escalated_to'],
      heads: ['隐患 Hazard', '用户 Household', '项目 Item', '等级 Severity', '期限 Deadline', '已上报 Escalated', '上报至 To street'],
      summary: (d, rows) => `逾期未整改 ${rows.length} 项 · Open past deadline: ${rows.length}`,
      chart: (rows) => stacked(rows.map((r) => ({ ...r, street: r.escalated_to || '未上报 not escalated', n: 1 })),
        'street', 'severity', 'n'),
    },
    anomalies: {
      rows: (d) => d.rows,
      cols: ['seq', 'time', 'kind', 'cylinder', 'site', 'who', 'detail'],
      heads: ['条目 Entry', '时间 Time', '类型 Kind', '气瓶 Cylinder', '站点 Site', '人员 Who', '详情 Detail'],
      summary: (d, rows) => `异常 ${rows.length} 条 · Anomalies: ${rows.length}`,
      chart: (rows) => {
        // by day; all on one day: by hour of that day
        const days = new Set(rows.map((r) => String(r.time).slice(0, 10)));
        const len = days.size > 1 ? 10 : 13;
        return stacked(rows.map((r) => ({ ...r, when: String(r.time).slice(0, len).replace('T', ' ') + (len === 13 ? ':00' : ''), n: 1 })),
          'when', 'kind', 'n');
      },
    },
    coverage: {
      rows: (d) => d.rows,
      cols: ['area', 'period', 'users', 'inspected', 'percent'],
      heads: ['区域 Area', '期间 Period', '用户 Users', '已检 Inspected', '覆盖率 % Coverage'],
      summary: (d, rows) => `${rows.length} 行 · rows; 目标 100 % target`,
      chart: coverageChart,
    },
    tips: {
      rows: (d) => d.tips,
      cols: ['seq', 'date', 'category', 'code', 'code_verified', 'cylinder', 'text', 'phone'],
      heads: ['条目 Entry', '日期 Date', '类别 Category', '码 Code', '码已核验 Code checked', '气瓶 Cylinder', '内容 Text', '电话 Phone'],
      summary: (d, rows) => `群众举报 ${rows.length} 条 · Tips: ${rows.length}`,
      chart: (rows) => counted(rows, 'category'),
    },
    orders: {
      rows: (d) => d.rows,
      cols: ['company', 'day', 'orders', 'delivered', 'cancelled', 'refused', 'open', 'not_fulfilled',
        'p50_s', 'p90_s', 'refused_reasons', 'no_order', 'cylinders', 'handed'],
      heads: ['企业 Company', '日期 Day', '订单 Orders', '已送达 Delivered', '已取消 Cancelled', '被拒 Refused',
        '未完成 Open', '未履约 Not fulfilled', '送达 p50 秒 s', '送达 p90 秒 s', '拒绝原因 Refused by reason',
        '无订单配送 No order', '订购瓶数 Cylinders ordered', '已交付瓶数 Cylinders handed over'],
      summary: (d, rows) => {
        // a regulator's totals are lpgtrace's; a company's, its rows'
        const t = d.totals || {
          orders: sum(rows, 'orders'), delivered: sum(rows, 'delivered'),
          not_fulfilled: sum(rows, 'not_fulfilled'), no_order: sum(rows, 'no_order'),
          cylinders: sum(rows, 'cylinders'), handed: sum(rows, 'handed'),
        };
        let s = `订单 ${t.orders} 单，已送达 ${t.delivered}，未履约 ${t.not_fulfilled}，无订单配送 ${t.no_order}` +
          ` · Orders: ${t.orders}, delivered ${t.delivered}, not fulfilled ${t.not_fulfilled},` +
          ` deliveries without an order ${t.no_order}`;
        if (t.cylinders !== undefined)
          s += ` · 订购 ${t.cylinders} 瓶，已交付 ${t.handed} 瓶 cylinders ordered ${t.cylinders}, handed over ${t.handed}`;
        if (d.totals && d.totals.p50_s !== null && d.totals.p50_s !== undefined)
          s += ` · 下单到送达 order to delivery p50 ${d.totals.p50_s} s, p90 ${d.totals.p90_s} s`;
        return s;
      },
      chart: ordersChart,
    },
  };

  function sum(rows, key) {
    return rows.reduce((a, r) => a + Number(r[key] || 0), 0);
  }

  function text(v) {
    if (v === null || v === undefined) return '';
    if (typeof v === 'boolean') return v ? 'yes' : 'no';
    if (typeof v === 'object') return Object.entries(v).map(([k, n]) => `${k}=${n}`).join(' ');
    return String(v);
  }

  // Bars of how many rows have each value of key.
  function counted(rows, key) {
    const m = new Map();
    for (const r of rows) m.set(text(r[key]) || '-', (m.get(text(r[key]) || '-') || 0) + 1);
    const xs = [...m.keys()].sort();
    return {
      tooltip: {},
      xAxis: { type: 'category', data: xs, axisLabel: { interval: 0, rotate: xs.length > 8 ? 30 : 0 } },
      yAxis: { type: 'value', minInterval: 1, name: '数量 count' },
      series: [{ type: 'bar', barMaxWidth: 80, data: xs.map((x) => m.get(x)), label: { show: true, position: 'top' } }],
    };
  }

  // One series per value of `by`, x the values of `x`, summing `val`.
  function stacked(rows, x, by, val, type) {
    const xs = [...new Set(rows.map((r) => text(r[x])))].sort();
    const groups = [...new Set(rows.map((r) => text(r[by])))].sort();
    const series = groups.map((g) => ({
      name: g,
      type: type || 'bar',
      stack: type ? undefined : 'all',
      barMaxWidth: 80,
      data: xs.map((xv) => rows.filter((r) => text(r[x]) === xv && text(r[by]) === g)
        .reduce((a, r) => a + Number(r[val] || 0), 0)),
    }));
    return {
      tooltip: { trigger: 'axis' },
      legend: { type: 'scroll', top: 0 },
      grid: { top: 40 },
      xAxis: { type: 'category', data: xs, axisLabel: { interval: 0, rotate: xs.length > 8 ? 30 : 0 } },
      yAxis: { type: 'value', minInterval: 1, name: '数量 count' },
      series,
    };
  }

  function coverageChart(rows) {
    const xs = rows.map((r) => `${r.area} ${r.period}`);
    return {
      tooltip: {},
      grid: { right: 140 },
      xAxis: { type: 'category', data: xs, axisLabel: { interval: 0, rotate: xs.length > 8 ? 30 : 0 } },
      yAxis: { type: 'value', max: 100, name: '覆盖率 coverage %' },
      series: [{
        type: 'bar',
        barMaxWidth: 80,
        data: rows.map((r) => Number(r.percent)),
        label: { show: true, position: 'top', formatter: '{c} %' },
        markLine: { symbol: 'none', data: [{ yAxis: 100, name: '100 %' }], label: { formatter: '目标 target 100 %' } },
      }],
    };
  }

  // Orders per day, a bar stacked by company, and the deliveries that
  // day without an order as a line on an axis of their own (a handful
  // against hundreds of orders would lie flat on the first).
  function ordersChart(rows) {
    const opt = stacked(rows, 'day', 'company', 'orders');
    const days = opt.xAxis.data;
    opt.series.push({
      name: '无订单配送 no order',
      type: 'line',
      yAxisIndex: 1,
      label: { show: true, position: 'top' },
      data: days.map((x) => rows.filter((r) => text(r.day) === x).reduce((a, r) => a + Number(r.no_order || 0), 0)),
    });
    opt.yAxis.name = '订单 orders';
    opt.yAxis = [opt.yAxis, { type: 'value', minInterval: 1, name: '无订单配送 no order', splitLine: { show: false } }];
    opt.grid.right = 90;
    return opt;
  }

  function csvCell(v) {
    let s = text(v);
    if (/^[=+\-@\t\r]/.test(s)) s = "'" + s; // not a formula in a spreadsheet
    return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }

  function show(doc) {
    const k = KINDS[name];
    const rows = k.rows(doc) || [];
    const thead = document.querySelector('#table thead');
    const tbody = document.querySelector('#table tbody');
    const tr = document.createElement('tr');
    for (const h of k.heads) {
      const th = document.createElement('th');
      th.textContent = h;
      tr.appendChild(th);
    }
    thead.appendChild(tr);
    for (const r of rows) {
      const row = document.createElement('tr');
      for (const c of k.cols) {
        const td = document.createElement('td');
        td.textContent = text(r[c]);
        td.dataset.col = c;
        row.appendChild(td);
      }
      tbody.appendChild(row);
    }
    document.getElementById('summary').textContent =
      `${k.summary(doc, rows)} · ${doc.today || ''}`;
    const csv = [k.cols.join(',')].concat(rows.map((r) => k.cols.map((c) => csvCell(r[c])).join(','))).join('\r\n') + '\r\n';
    document.getElementById('csv').href = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
    const div = document.getElementById('chart');
    if (window.echarts && rows.length) {
      div.style.height = '360px';
      const chart = window.echarts.init(div, null, { renderer: 'canvas' });
      const opt = k.chart(rows);
      opt.animation = false;
      chart.setOption(opt);
      window.addEventListener('resize', () => chart.resize());
      window.addEventListener('beforeprint', () => chart.resize());
    } else if (!rows.length) {
      div.textContent = '无数据 · Nothing to chart';
    }
    status.textContent = '';
    section.dataset.ready = '1';
  }

  document.getElementById('print').addEventListener('click', () => window.print());
  fetch('/console/api/reports/' + encodeURIComponent(name) + location.search, { credentials: 'same-origin' })
    .then((r) => {
      if (!r.ok) throw new Error('HTTP ' + r.status);
      return r.json();
    })
    .then(show)
    .catch((e) => {
      status.textContent = '无法加载 · Could not load: ' + e.message;
      status.className = 'status bad';
      section.dataset.ready = 'error';
    });
})();
