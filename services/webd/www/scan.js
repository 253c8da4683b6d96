// scan.js - scanning a cylinder's code on the cylinder page: with the
// laptop's or phone's camera (getUserMedia), or from a photo of the label.
// The code is read in the page by zxing-wasm, served by lpg-webd itself
// from /console/vendor/ (script and WebAssembly, no network beyond this
// origin); the text read fills the search box and the form is sent, which
// opens the cylinder.
'use strict';
(function () {
  const form = document.querySelector('form.find');
  const input = form && form.querySelector('input[name=q]');
  if (!form || !input) return;

  const VENDOR = '/console/vendor/zxing-wasm/dist/';
  const FORMATS = ['QRCode', 'DataMatrix'];
  const EVERY_MS = 200; // a camera frame looked at this often

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text) e.textContent = text;
    return e;
  }
  function words(zh, en) {
    const s = el('span', {}, zh + ' ');
    s.appendChild(el('span', { lang: 'en' }, en));
    return s;
  }

  // The tools: a camera button, a photo picker, the camera's picture and
  // a line that says what is happening.
  const box = el('div', { class: 'scan', id: 'scan' });
  const open = el('button', { type: 'button', id: 'scan-open' });
  open.appendChild(words('扫码', 'Scan'));
  const pick = el('label', { class: 'scan-file', for: 'scan-file' });
  pick.appendChild(words('拍照或选图片', 'Photo of the label'));
  const file = el('input', { type: 'file', id: 'scan-file', accept: 'image/*', capture: 'environment' });
  const stop = el('button', { type: 'button', id: 'scan-stop', hidden: '' });
  stop.appendChild(words('关闭相机', 'Close camera'));
  const video = el('video', { id: 'scan-video', muted: '', playsinline: '', hidden: '' });
  const say = el('p', { id: 'scan-status', class: 'scan-status', role: 'status' });
  box.append(open, pick, file, stop, video, say);
  form.after(box);
  document.head.appendChild(el('link', { rel: 'stylesheet', href: '/console/static/scan.css' }));

  let zx = null;
  // zxing-wasm's reader, loaded once, its WebAssembly from this origin.
  function reader() {
    if (zx) return zx;
    zx = new Promise((resolve, reject) => {
      const s = el('script', { src: VENDOR + 'iife/reader/index.js' });
      s.onload = () => {
        const z = window.ZXingWASM;
        if (!z) return reject(new Error('zxing-wasm did not load'));
        z.prepareZXingModule({
          overrides: {
            locateFile: (path, prefix) => (path.endsWith('.wasm') ? VENDOR + 'reader/' + path : prefix + path),
          },
          fireImmediately: true,
        }).then(() => resolve(z), reject);
      };
      s.onerror = () => reject(new Error('zxing-wasm could not be fetched'));
      document.head.appendChild(s);
    });
    zx.catch(() => { zx = null; });
    return zx;
  }

  function status(zh, en, bad) {
    say.textContent = '';
    say.appendChild(words(zh, en));
    say.className = 'scan-status' + (bad ? ' bad' : '');
  }

  function found(text) {
    stopCamera();
    input.value = text.trim();
    status('已识别，正在打开…', 'Read: opening the cylinder…');
    form.submit();
  }

  async function decode(image) {
    const z = await reader();
    const out = await z.readBarcodes(image, { formats: FORMATS, tryHarder: true, maxNumberOfSymbols: 1 });
    const hit = out.find((r) => r.isValid && r.text);
    return hit ? hit.text : null;
  }

  file.addEventListener('change', async () => {
    const f = file.files && file.files[0];
    if (!f) return;
    status('正在识别…', 'Reading…');
    try {
      const text = await decode(f);
      if (text) found(text);
      else status('图片里没有找到二维码。', 'No code found in this picture.', true);
    } catch (e) {
      status('无法识别：' + e.message, 'Cannot read: ' + e.message, true);
    }
    file.value = '';
  });

  let stream = null;
  let timer = 0;
  function stopCamera() {
    clearTimeout(timer);
    if (stream) for (const t of stream.getTracks()) t.stop();
    stream = null;
    video.hidden = true;
    stop.hidden = true;
    open.hidden = false;
  }
  stop.addEventListener('click', () => {
    stopCamera();
    say.textContent = '';
  });

  open.addEventListener('click', async () => {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      status('这个浏览器不能用相机（需要 HTTPS），请用照片。', 'No camera here (HTTPS is needed): use a photo.', true);
      return;
    }
    status('正在打开相机…', 'Opening the camera…');
    try {
      const [z, s] = await Promise.all([reader(),
        navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false })]);
      stream = s;
      video.srcObject = s;
      video.hidden = false;
      stop.hidden = false;
      open.hidden = true;
      await video.play();
      status('把二维码对准相机。', 'Hold the code in front of the camera.');
      const canvas = document.createElement('canvas');
      const ctx = canvas.getContext('2d', { willReadFrequently: true });
      const look = async () => {
        if (!stream) return;
        if (video.videoWidth) {
          canvas.width = video.videoWidth;
          canvas.height = video.videoHeight;
          ctx.drawImage(video, 0, 0);
          const img = ctx.getImageData(0, 0, canvas.width, canvas.height);
          const out = await z.readBarcodes(img, { formats: FORMATS, tryHarder: true, maxNumberOfSymbols: 1 });
          const hit = out.find((r) => r.isValid && r.text);
          if (hit) return found(hit.text);
        }
        timer = setTimeout(look, EVERY_MS);
      };
      look();
    } catch (e) {
      stopCamera();
      status('无法打开相机：' + e.message, 'Cannot open the camera: ' + e.message, true);
    }
  });
})();
