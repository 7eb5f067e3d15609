/*
 * Live quote on the loan application form: whenever the amount, term or annual rate
 * changes, POST /api/v1/quote/ (the same service as `lowlend quote`) and show the
 * schedule's first and last rows, the totals, the APR (nominal and effective) and the
 * region's compliance verdict. The server stays authoritative: submitting checks the
 * same terms and caps again.
 *
 * Texts come from the server-rendered #lowlend-quote-config (the page's language).
 */
(function () {
  'use strict';

  var config = document.getElementById('lowlend-quote-config');
  if (!config) { return; }
  var form = document.querySelector('form#model_form') || document.querySelector('form');
  if (!form) { return; }

  function t(key) { return config.getAttribute('data-' + key) || ''; }
  function input(name) { return form.querySelector('[name="' + name + '"]'); }
  function el(tag, className, content) {
    var e = document.createElement(tag);
    if (className) { e.className = className; }
    if (content !== undefined && content !== null) { e.textContent = content; }
    return e;
  }
  function pct(rate) { return rate === null || rate === undefined ? '—' : (Number(rate) * 100).toFixed(2) + '%'; }

  var box = el('div', 'panel panel-info lowlend-quote');
  box.setAttribute('aria-live', 'polite');
  var head = el('div', 'panel-heading', t('title'));
  var body = el('div', 'panel-body');
  box.appendChild(head);
  box.appendChild(body);
  form.parentNode.insertBefore(box, form.nextSibling);

  function render(q) {
    body.textContent = '';
    var summary = el('p', 'lowlend-quote-summary');
    summary.appendChild(el('strong', null, t('apr') + ': '));
    summary.appendChild(el('span', 'lowlend-quote-apr', pct(q.apr.nominal) + ' / ' + pct(q.apr.effective)));
    summary.appendChild(el('span', null, ' · ' + t('net') + ': ' + q.net_proceeds));
    summary.appendChild(el('span', null, ' · ' + t('total') + ': ' + q.totals.total));
    body.appendChild(summary);
    var verdict = el('p', q.compliance.ok ? 'text-success lowlend-quote-ok' : 'text-danger lowlend-quote-blocked',
                     q.compliance.ok ? t('ok') : t('blocked'));
    body.appendChild(verdict);
    (q.compliance.violations || []).forEach(function (v) {
      body.appendChild(el('p', 'text-warning', v.rule + ': ' + v.message));
    });
    var table = el('table', 'table table-condensed lowlend-quote-rows');
    var hr = el('tr');
    ['seq', 'due', 'principal', 'interest', 'fee', 'total-row'].forEach(function (k) { hr.appendChild(el('th', null, t(k))); });
    table.appendChild(hr);
    var rows = q.installments || [];
    var shown = rows.length > 6 ? rows.slice(0, 3).concat([null]).concat(rows.slice(-2)) : rows;
    shown.forEach(function (r) {
      var tr = el('tr');
      if (r === null) { tr.appendChild(el('td', null, '…')); table.appendChild(tr); return; }
      [r.seq, r.due_date, r.principal, r.interest, r.fee, r.total].forEach(function (v) { tr.appendChild(el('td', null, String(v))); });
      table.appendChild(tr);
    });
    body.appendChild(table);
  }

  function fail(message) {
    body.textContent = '';
    body.appendChild(el('p', 'text-danger lowlend-quote-error', message || t('failed')));
  }

  var timer = null;
  function refresh() {
    var amount = input('amount'), term = input('term'), rate = input('rate');
    if (!amount || !term || !amount.value || !term.value) { return; }
    var payload = { product: t('product'), amount: amount.value.replace(/,/g, ''), term: parseInt(term.value, 10) };
    if (rate && rate.value) { payload.annual_rate = rate.value; }
    var csrf = form.querySelector('[name="csrf_token"]');
    var headers = { 'Content-Type': 'application/json' };
    if (csrf) { headers['X-CSRFToken'] = csrf.value; }
    fetch(t('url'), { method: 'POST', credentials: 'same-origin', headers: headers, body: JSON.stringify(payload) })
      .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, json: j }; }); })
      .then(function (res) {
        if (res.ok) { render(res.json); return; }
        var errors = res.json && res.json.errors ? Object.keys(res.json.errors).map(function (k) { return res.json.errors[k].join(' '); }) : [];
        fail(errors.join(' ') || (res.json && res.json.message));
      })
      .catch(function () { fail(); });
  }
  function later() { if (timer) { clearTimeout(timer); } timer = setTimeout(refresh, 400); }
  ['amount', 'term', 'rate'].forEach(function (name) {
    var i = input(name);
    if (i) { i.addEventListener('input', later); i.addEventListener('change', later); }
  });
  refresh();
}());
