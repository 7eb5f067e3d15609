/*
 * lowlend generated forms: inline child tables and live visible_if / required_if.
 *
 * - Child tables (lowlend/web/forms/child_table.py): "Add row" clones the row template
 *   (input names <field>-<row>-<column>), "Remove row" removes its row. Without this
 *   script the stored rows and one empty row can still be edited.
 * - Conditions (lowlend/web/generic/conditions.py): on change (debounced) the form values
 *   are POSTed as JSON to the view's _conditions endpoint; the SERVER evaluates the CEL
 *   rules and answers {"fields": {name: {"visible": bool, "required": bool}}}. This script
 *   only hides/shows form rows and the required marker; it evaluates no expression.
 *
 * No visible text is written here: texts come from the server-rendered page.
 */
(function () {
  'use strict';

  var DEBOUNCE_MS = 300;
  var ROW_NAME = /^(.+)-(\d+)-([A-Za-z_][A-Za-z0-9_]*)$/;

  function closest(el, selector) {
    while (el && el.nodeType === 1) {
      if (el.matches(selector)) { return el; }
      el = el.parentElement;
    }
    return null;
  }

  // -- child tables ------------------------------------------------------------------
  function addRow(root) {
    var template = root.querySelector('template.lowlend-child-row-template');
    var body = root.querySelector('tbody');
    if (!template || !body) { return; }
    var index = parseInt(root.getAttribute('data-next-index') || '0', 10) || 0;
    body.insertAdjacentHTML('beforeend', template.innerHTML.split('__index__').join(String(index)));
    root.setAttribute('data-next-index', String(index + 1));
    var added = body.lastElementChild;
    var first = added && added.querySelector('input, select, textarea');
    if (first) { first.focus(); }
  }

  function removeRow(button) {
    var row = closest(button, 'tr.lowlend-child-row');
    if (row && row.parentNode) { row.parentNode.removeChild(row); }
  }

  // -- conditions --------------------------------------------------------------------
  function tableNames(form) {
    var names = {};
    var roots = form.querySelectorAll('.lowlend-child-table');
    for (var i = 0; i < roots.length; i++) { names[roots[i].getAttribute('data-field')] = true; }
    return names;
  }

  function isBlankRow(row) {
    for (var key in row) {
      if (Object.prototype.hasOwnProperty.call(row, key)) {
        var v = row[key];
        if (v === true || (typeof v === 'string' && v.trim() !== '')) { return false; }
      }
    }
    return true;
  }

  function collect(form) {
    var tables = tableNames(form);
    var rows = {};
    var values = {};
    var elements = form.elements;
    for (var i = 0; i < elements.length; i++) {
      var el = elements[i];
      var name = el.name;
      if (!name || name === 'csrf_token' || el.disabled || el.type === 'button' ||
          el.type === 'submit' || el.type === 'file') { continue; }
      var value = el.type === 'checkbox' ? el.checked : el.value;
      if (el.type === 'select-multiple') {  // enum_list: every selected code
        value = [];
        for (var j = 0; j < el.options.length; j++) {
          if (el.options[j].selected) { value.push(el.options[j].value); }
        }
      }
      if (el.type === 'radio' && !el.checked) { continue; }
      var match = ROW_NAME.exec(name);
      if (match && tables[match[1]]) {
        var byIndex = rows[match[1]] || (rows[match[1]] = {});
        var row = byIndex[match[2]] || (byIndex[match[2]] = {});
        row[match[3]] = value;
        continue;
      }
      if (tables[name]) { continue; }  // the table's presence marker
      values[name] = value;
    }
    Object.keys(tables).forEach(function (field) {
      var byIndex = rows[field] || {};
      values[field] = Object.keys(byIndex)
        .sort(function (a, b) { return parseInt(a, 10) - parseInt(b, 10); })
        .map(function (k) { return byIndex[k]; })
        .filter(function (row) { return !isBlankRow(row); });
    });
    return values;
  }

  function formRowOf(form, name) {
    var el = document.getElementById(name);
    if (!el || !form.contains(el)) {
      var named = form.elements.namedItem(name);
      el = named && named.nodeType === 1 ? named : (named && named[0]) || null;
    }
    return el ? closest(el.parentElement, 'tr:not(.lowlend-child-row)') : null;
  }

  function setRequired(row, required) {
    var label = row.querySelector('label');
    if (!label) { return; }
    var marks = label.querySelectorAll('strong');
    if (required && marks.length === 0) {
      var mark = document.createElement('strong');
      mark.className = 'lowlend-required-mark';
      mark.style.color = 'red';
      mark.textContent = '*';
      label.appendChild(document.createTextNode(' '));
      label.appendChild(mark);
    } else if (!required) {
      for (var i = 0; i < marks.length; i++) { marks[i].parentNode.removeChild(marks[i]); }
    }
  }

  function apply(form, fields) {
    Object.keys(fields).forEach(function (name) {
      var state = fields[name];
      var row = formRowOf(form, name);
      if (!row || !state) { return; }
      row.style.display = state.visible ? '' : 'none';
      row.classList.toggle('lowlend-hidden-by-rule', !state.visible);
      setRequired(row, !!state.required);
    });
  }

  function watchConditions(form, url) {
    var timer = null;
    var sequence = 0;
    var tokenInput = form.querySelector('input[name="csrf_token"]');

    function refresh() {
      var mine = ++sequence;
      var headers = { 'Content-Type': 'application/json', 'Accept': 'application/json' };
      if (tokenInput && tokenInput.value) { headers['X-CSRFToken'] = tokenInput.value; }
      window.fetch(url, {
        method: 'POST',
        credentials: 'same-origin',
        headers: headers,
        body: JSON.stringify(collect(form))
      }).then(function (response) {
        return response.ok ? response.json() : null;
      }).then(function (data) {
        if (data && data.fields && mine === sequence) { apply(form, data.fields); }
      }).catch(function () { /* the server re-checks on save; leave the form as it is */ });
    }

    function schedule() {
      if (timer) { window.clearTimeout(timer); }
      timer = window.setTimeout(refresh, DEBOUNCE_MS);
    }

    form.addEventListener('input', schedule);
    if (window.jQuery) {
      window.jQuery(form).on('change', schedule);  // select2 / datepicker trigger jQuery events
    } else {
      form.addEventListener('change', schedule);
    }
    form.addEventListener('lowlend:rows-changed', schedule);
    refresh();
  }

  function init() {
    document.addEventListener('click', function (event) {
      var target = event.target;
      var add = closest(target, '.lowlend-add-row');
      var remove = closest(target, '.lowlend-remove-row');
      var root = closest(target, '.lowlend-child-table');
      if (!root || (!add && !remove)) { return; }
      event.preventDefault();
      if (add) { addRow(root); } else { removeRow(remove); }
      var form = closest(root, 'form');
      if (form) { form.dispatchEvent(new CustomEvent('lowlend:rows-changed')); }
    });
    var config = document.getElementById('lowlend-form-config');
    var url = config && config.getAttribute('data-conditions-url');
    var form = document.getElementById('model_form') || document.querySelector('form[method="post"]');
    if (url && form && window.fetch) { watchConditions(form, url); }
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
}());
