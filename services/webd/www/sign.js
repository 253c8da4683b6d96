// sign.js - the dispatch board's actions, signed in this browser with the
// company's own key (the server holds none).
//
// The key page (/console/key) imports the company-admin key file that
// `lpgtrace keygen` writes (PEM, PKCS#8 Ed25519) with WebCrypto as a
// non-extractable key and keeps it in this origin's IndexedDB, with its
// key id (SHA-256 of the raw public key, as the ledger names keys). The
// board and an order's page then turn each form.act into two POSTs:
// /console/api/orders/prepare gives the exact Event bytes, the browser
// signs "lpgtrace/v1/event\0" + those bytes, /console/api/orders/submit
// relays the signed event to lpg-orderd; the service's answer, every
// reason in Chinese and English, goes to #answer.
'use strict';
(function () {
  const DB = 'lpgtrace-console', STORE = 'keys', SLOT = 'company-admin';
  const csrf = (document.querySelector('meta[name="csrf"]') || {}).content || '';
  const $ = (sel) => document.querySelector(sel);

  // ---- the key store ----
  function db() {
    return new Promise((resolve, reject) => {
      const r = indexedDB.open(DB, 1);
      r.onupgradeneeded = () => r.result.createObjectStore(STORE);
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
  }
  async function store(mode, fn) {
    const d = await db();
    return new Promise((resolve, reject) => {
      const tx = d.transaction(STORE, mode);
      const r = fn(tx.objectStore(STORE));
      tx.oncomplete = () => { d.close(); resolve(r && r.result); };
      tx.onerror = () => { d.close(); reject(tx.error); };
    });
  }
  const loadKey = () => store('readonly', (s) => s.get(SLOT));
  const saveKey = (v) => store('readwrite', (s) => s.put(v, SLOT));
  const forgetKey = () => store('readwrite', (s) => s.delete(SLOT));

  const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');
  const unb64 = (s) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/').replace(/\s+/g, '')
    .padEnd(Math.ceil(s.replace(/\s+/g, '').length / 4) * 4, '=')), (c) => c.charCodeAt(0));
  const b64 = (u8) => { let s = ''; for (const b of u8) s += String.fromCharCode(b); return btoa(s); };

  // The PEM's DER bytes (PKCS#8 "PRIVATE KEY" only).
  function pemToDer(text) {
    const m = /-----BEGIN PRIVATE KEY-----([\s\S]*?)-----END PRIVATE KEY-----/.exec(text);
    if (!m) throw new Error('not a PEM private key (PKCS#8): choose the key file, not its .pub');
    return unb64(m[1]);
  }

  // A key file's text to {key (non-extractable), keyId}.
  async function importKeyFile(text) {
    const der = pemToDer(text);
    const alg = { name: 'Ed25519' };
    // Once extractable, only to read the public half (for the key id).
    const tmp = await crypto.subtle.importKey('pkcs8', der, alg, true, ['sign']);
    const jwk = await crypto.subtle.exportKey('jwk', tmp);
    const pub = unb64(jwk.x);
    if (pub.length !== 32) throw new Error('not an Ed25519 key');
    const key = await crypto.subtle.importKey('pkcs8', der, alg, false, ['sign']);
    const keyId = hex(await crypto.subtle.digest('SHA-256', pub));
    return { key, keyId };
  }

  async function keyStatus(keyId) {
    const r = await fetch(`/console/api/orders/key?id=${keyId}`, { credentials: 'same-origin' });
    return r.json();
  }

  // ---- the key page ----
  async function showKey() {
    const k = await loadKey();
    $('#keyid').textContent = k ? k.keyId : '未导入 not loaded';
    const st = $('#keystate');
    st.className = '';
    st.removeAttribute('data-ok');
    if (!k) { st.textContent = '—'; return; }
    const s = await keyStatus(k.keyId);
    st.dataset.ok = s.ok ? 'yes' : 'no';
    st.className = s.ok ? 'good' : 'bad';
    st.textContent = '';
    st.append(`${s.zh} `);
    const en = document.createElement('span');
    en.lang = 'en';
    en.textContent = s.en;
    st.append(en);
  }

  function keyPage() {
    const msg = $('#keymsg');
    $('#keyform').addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const f = $('#keyfile').files[0];
      if (!f) { msg.textContent = '请选择密钥文件 Choose the key file'; return; }
      try {
        const k = await importKeyFile(await f.text());
        await saveKey(k);
        msg.textContent = '已导入 Imported';
        msg.dataset.done = 'imported';
      } catch (e) {
        msg.textContent = `无法导入 Cannot import: ${e.message}`;
        msg.dataset.done = 'failed';
      }
      $('#keyfile').value = '';
      await showKey();
    });
    $('#keyforget').addEventListener('click', async () => {
      await forgetKey();
      msg.textContent = '已删除 Forgotten';
      await showKey();
    });
    showKey();
  }

  // ---- the actions ----
  function crewSelect(sel, list, attr) {
    const items = [...document.querySelectorAll(`#${list} li[data-${attr}]`)];
    const fit = items.filter((li) => li.classList.contains('fit'));
    const unfit = items.filter((li) => !li.classList.contains('fit'));
    for (const li of fit) sel.append(new Option(li.dataset[attr], li.dataset[attr]));
    if (unfit.length) {
      const g = document.createElement('optgroup');
      g.label = '不可派 not fit';
      for (const li of unfit) g.append(new Option(li.dataset[attr], li.dataset[attr]));
      sel.append(g);
    }
  }

  // A form's step as JSON.
  function step(form) {
    const s = { step: form.dataset.step };
    const act = $('#actions');
    if (act && s.step !== 'order_place') s.order = act.dataset.order;
    const fd = new FormData(form);
    for (const [k, v] of fd.entries()) if (v !== '') s[k] = v;
    if (s.step === 'order_place') {
      s.count = parseInt(s.count || '1', 10);
      const from = new Date(s.slot).getTime();
      s.slot_from_ms = from;
      s.slot_to_ms = from + parseInt(s.hours || '4', 10) * 3600000;
      delete s.slot;
      delete s.hours;
    }
    return s;
  }

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }
  function bilingual(tag, zh, en, cls) {
    const e = el(tag, `${zh} `, cls);
    const s = el('span', en);
    s.lang = 'en';
    e.append(s);
    return e;
  }

  const WORDS = {
    OK: ['已记录', 'Recorded'],
    DENIED: ['已记录，但被拒绝', 'Recorded, refused'],
    INVALID: ['未记录：不符合规则', 'Not recorded: invalid'],
    UNAUTHORIZED: ['未记录：签名者无权', 'Not recorded: the signer may not'],
    CONFLICT: ['未记录：冲突', 'Not recorded: conflict'],
  };

  // The service's answer (or a refusal) in #answer.
  function show(form, a, httpStatus) {
    const out = $('#answer');
    out.textContent = '';
    out.dataset.step = form.dataset.step;
    if (a.status && typeof a.status === 'string') {
      out.dataset.status = a.status;
      const w = WORDS[a.status] || ['答复', a.status];
      out.append(bilingual('p', w[0], `${w[1]} (${a.status})`, a.status === 'OK' ? 'good' : 'bad'));
      // The reasons say it in both languages; the service's own one-line
      // message (English) only when there are none.
      if (a.message && !(a.reasons && a.reasons.length)) out.append(el('p', a.message, 'message'));
      if (a.reasons && a.reasons.length) {
        const ul = el('ul', '', 'reasons');
        for (const r of a.reasons) {
          const li = bilingual('li', r.zh, r.en);
          li.dataset.token = r.token;
          ul.append(li);
        }
        out.append(ul);
      }
      if (a.order && form.dataset.step === 'order_place') {
        const p = el('p', '');
        const link = el('a', `订单 Order ${a.order}`);
        link.href = `/console/orders/${encodeURIComponent(a.order)}`;
        link.id = 'placed';
        p.append(link);
        out.append(p);
      }
    } else {
      out.dataset.status = `problem-${String(a.type || '').replace('/problems/', '') || httpStatus}`;
      out.append(bilingual('p', a.zh || '未记录', `${a.title || 'Refused'}: ${a.detail || ''}`, 'bad'));
      if (a.field) out.append(el('p', `field: ${a.field}`, 'message'));
    }
  }

  async function act(form) {
    const k = await loadKey();
    if (!k) {
      show(form, { type: '/problems/no-key', zh: '请先导入签名密钥', title: 'No signing key', detail: 'load the company-admin key on /console/key first' });
      return;
    }
    const post = (url, o) => fetch(url, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'X-CSRF-Token': csrf, 'Content-Type': 'application/json' },
      body: JSON.stringify(o),
    });
    let r = await post('/console/api/orders/prepare', step(form));
    const p = await r.json();
    if (!r.ok) { show(form, p, r.status); return; }
    const ctx = new TextEncoder().encode(p.sign_context);
    const ev = unb64(p.event_b64);
    const msg = new Uint8Array(ctx.length + ev.length);
    msg.set(ctx);
    msg.set(ev, ctx.length);
    const sig = new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, k.key, msg));
    r = await post('/console/api/orders/submit', { event_b64: p.event_b64, signature_b64: b64(sig), key_id: k.keyId });
    const a = await r.json();
    a.order = a.order || p.order;
    show(form, a, r.status);
  }

  async function boardPage() {
    const k = await loadKey();
    const who = $('#signer');
    if (who) {
      who.textContent = k ? k.keyId.slice(0, 16) : '未导入 not loaded';
      who.dataset.loaded = k ? 'yes' : 'no';
    }
    for (const sel of document.querySelectorAll('select[name=driver]')) crewSelect(sel, 'drivers', 'driver');
    for (const sel of document.querySelectorAll('select[name=vehicle]')) crewSelect(sel, 'vehicles', 'vehicle');
    for (const f of document.querySelectorAll('form.act')) {
      f.addEventListener('submit', (ev) => {
        ev.preventDefault();
        const b = f.querySelector('button[type=submit]');
        b.disabled = true;
        act(f).catch((e) => show(f, { type: '/problems/browser', zh: '浏览器未能签名', title: 'Not signed', detail: e.message }))
          .finally(() => { b.disabled = false; });
      });
    }
    const slot = document.querySelector('#phoneform input[name=slot]');
    if (slot && !slot.value) {
      const d = new Date(Date.now() + 3600000);
      d.setMinutes(0, 0, 0);
      slot.value = new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
    }
  }

  if ($('#keyform')) keyPage();
  else boardPage();
})();
