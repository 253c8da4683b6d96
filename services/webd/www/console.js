// console.js - the console's shell: what every page shares. Forms carry
// their CSRF token already (server-rendered); this gives fetch() POSTs
// the token too, from <meta name="csrf">.
'use strict';
(function () {
  const meta = document.querySelector('meta[name="csrf"]');
  window.lpgConsole = {
    csrf: meta ? meta.content : '',
    post: function (url, body) {
      return fetch(url, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'X-CSRF-Token': meta ? meta.content : '', 'Content-Type': 'application/x-www-form-urlencoded' },
        body: body || ''
      });
    }
  };
})();
