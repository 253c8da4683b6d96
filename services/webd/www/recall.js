// recall.js - the recall page and the street hazard board: the table the
// server drew, offered as CSV (nothing else; the page works without it).
'use strict';
(function () {
  const a = document.getElementById('csv');
  const table = document.getElementById('table');
  if (!a || !table) return;
  function cell(s) {
    if (/^[=+\-@\t\r]/.test(s)) s = "'" + s; // not a formula in a spreadsheet
    return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }
  const lines = [...table.querySelectorAll('tr')].map((tr) =>
    [...tr.children].map((td) => cell(td.textContent.trim())).join(','));
  a.href = URL.createObjectURL(new Blob([lines.join('\r\n') + '\r\n'], { type: 'text/csv' }));
})();
