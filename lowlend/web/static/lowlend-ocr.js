/*
 * lowlend ID-card OCR on the customer add form ("Read ID card / 识别身份证").
 *
 * Adds a small control above the form: an image input for the front (photo side), one
 * for the back (emblem side, optional) and a button. The button POSTs the images to
 * POST /api/v1/ocr/id-card (lowlend/web/api/ocr.py) and fills the form inputs whose
 * names match a field read (name, id_number, and sex, birth_date, address, … when the
 * form has them), shows each field's confidence next to it, sets the ID type select to
 * resident_id and lists the problems the server found (check digit, birth date, sex).
 * Nothing is saved: the user checks the form and saves it as usual.
 *
 * No visible text is written here: texts come from the server-rendered page
 * (#lowlend-ocr-config data attributes, in the page's locale).
 */
(function () {
  'use strict';

  // field read -> form input names it fills (first one present wins)
  var TARGETS = {
    name: ['name'],
    id_number: ['id_number'],
    sex: ['sex', 'gender'],
    birth_date: ['birth_date', 'birthday', 'date_of_birth'],
    ethnicity: ['ethnicity', 'nation'],
    address: ['address', 'id_address', 'residential_address'],
    issuing_authority: ['issuing_authority', 'id_issuing_authority'],
    valid_from: ['id_valid_from', 'valid_from'],
    valid_until: ['id_valid_until', 'valid_until']
  };
  var LOW_CONFIDENCE = 0.9;

  function text(config, key) { return config.getAttribute('data-' + key) || ''; }

  function element(tag, className, content) {
    var el = document.createElement(tag);
    if (className) { el.className = className; }
    if (content) { el.textContent = content; }
    return el;
  }

  function fileInput(id, label) {
    var group = element('div', 'form-group lowlend-ocr-file');
    group.style.marginRight = '16px';
    var caption = element('label', null, label);
    caption.style.marginRight = '6px';
    caption.setAttribute('for', id);
    var input = element('input', 'form-control');
    input.type = 'file';
    input.id = id;
    input.accept = 'image/jpeg,image/png,image/webp,image/bmp,image/tiff';
    group.appendChild(caption);
    group.appendChild(input);
    return { group: group, input: input };
  }

  function findInput(form, names) {
    for (var i = 0; i < names.length; i++) {
      var el = form.elements.namedItem(names[i]);
      if (el && el.nodeType === 1 && !el.disabled && el.type !== 'hidden' && el.type !== 'file') {
        return el;
      }
    }
    return null;
  }

  function setValue(el, value) {
    if (el.tagName === 'SELECT') {
      var found = false;
      for (var i = 0; i < el.options.length; i++) {
        if (el.options[i].value === value) { found = true; }
      }
      if (!found) { return false; }
    }
    el.value = value;
    if (window.jQuery) {
      window.jQuery(el).trigger('change');  // select2 / datepicker listen to jQuery events
    } else {
      el.dispatchEvent(new Event('change', { bubbles: true }));
    }
    el.dispatchEvent(new Event('input', { bubbles: true }));
    return true;
  }

  function showConfidence(config, el, confidence) {
    var parent = el.parentElement;
    var old = parent.querySelector('.lowlend-ocr-confidence');
    if (old) { parent.removeChild(old); }
    var percent = Math.round(confidence * 100);
    var badge = element('span', 'label lowlend-ocr-confidence ' +
      (confidence >= LOW_CONFIDENCE ? 'label-success' : 'label-warning'),
      text(config, 'confidence') + ' ' + percent + '%');
    badge.setAttribute('data-field', el.name);
    badge.setAttribute('data-confidence', String(confidence));
    parent.appendChild(badge);
  }

  function fill(config, form, data) {
    var filled = 0;
    Object.keys(TARGETS).forEach(function (field) {
      var read = data.fields && data.fields[field];
      if (!read || read.value === null || read.value === undefined) { return; }
      var el = findInput(form, TARGETS[field]);
      if (el && setValue(el, String(read.value))) {
        showConfidence(config, el, Number(read.confidence) || 0);
        filled += 1;
      }
    });
    var idType = findInput(form, ['id_type']);
    if (idType) { setValue(idType, 'resident_id'); }
    return filled;
  }

  function showResult(status, kind, message, items) {
    status.className = 'alert lowlend-ocr-status alert-' + kind;
    status.textContent = '';
    status.appendChild(element('div', null, message));
    if (items && items.length) {
      var list = element('ul', 'lowlend-ocr-problems');
      items.forEach(function (item) { list.appendChild(element('li', null, item)); });
      status.appendChild(list);
    }
    status.hidden = false;
  }

  function errorTexts(body) {
    var out = [];
    var errors = (body && body.errors) || {};
    Object.keys(errors).forEach(function (key) {
      (errors[key] || []).forEach(function (m) { out.push(String(m)); });
    });
    return out;
  }

  function read(config, form, front, back, button, status) {
    if (!front.files || !front.files.length) {
      showResult(status, 'warning', text(config, 'choose'));
      return;
    }
    var body = new FormData();
    body.append('front', front.files[0]);
    if (back.files && back.files.length) { body.append('back', back.files[0]); }
    var headers = { 'Accept': 'application/json' };
    var token = form.querySelector('input[name="csrf_token"]');
    if (token && token.value) { headers['X-CSRFToken'] = token.value; }
    button.disabled = true;
    showResult(status, 'info', text(config, 'reading'));
    window.fetch(text(config, 'url'), {
      method: 'POST', credentials: 'same-origin', headers: headers, body: body
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (json) {
        return { ok: response.ok, body: json };
      });
    }).then(function (result) {
      button.disabled = false;
      if (!result.ok) {
        showResult(status, 'danger', (result.body && result.body.message) || text(config, 'failed'),
          errorTexts(result.body));
        return;
      }
      fill(config, form, result.body);
      var problems = (result.body.problems || []).map(function (p) { return p.message; });
      showResult(status, problems.length ? 'warning' : 'success', text(config, 'done'), problems);
    }).catch(function () {
      button.disabled = false;
      showResult(status, 'danger', text(config, 'failed'));
    });
  }

  function init() {
    var config = document.getElementById('lowlend-ocr-config');
    var form = document.getElementById('model_form') || document.querySelector('form[method="post"]');
    if (!config || !form || !window.fetch || !window.FormData) { return; }
    // outside the form: the images are not part of the record
    var box = element('div', 'panel panel-default lowlend-ocr');
    var heading = element('div', 'panel-heading', text(config, 'title'));
    var body = element('div', 'panel-body form-inline');
    var front = fileInput('lowlend-ocr-front', text(config, 'front'));
    var back = fileInput('lowlend-ocr-back', text(config, 'back'));
    var button = element('button', 'btn btn-primary lowlend-ocr-read', text(config, 'button'));
    button.type = 'button';
    var status = element('div', 'alert lowlend-ocr-status');
    status.hidden = true;
    body.appendChild(front.group);
    body.appendChild(back.group);
    body.appendChild(button);
    box.appendChild(heading);
    box.appendChild(body);
    box.appendChild(status);
    form.parentNode.insertBefore(box, form);
    button.addEventListener('click', function () {
      read(config, form, front.input, back.input, button, status);
    });
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
}());
