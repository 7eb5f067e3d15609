/*
 * Configuration screens: behaviour that used to be inline (the Content-Security-Policy
 * runs no inline code).
 *
 * - an element with data-confirm="question" (the Publish buttons) asks before it acts;
 * - a link with data-goto-line="N" (a validation problem) selects line N of the YAML
 *   editor (#lowlend-yaml) and scrolls to it; without the editor it stays a plain link.
 */
(function () {
  'use strict';

  function goToLine(textarea, n) {
    var lines = textarea.value.split('\n'), start = 0;
    for (var i = 0; i < n - 1 && i < lines.length; i++) { start += lines[i].length + 1; }
    var end = start + (lines[n - 1] || '').length;
    textarea.focus();
    textarea.setSelectionRange(start, end);
    var lineHeight = parseFloat(window.getComputedStyle(textarea).lineHeight) || 16;
    textarea.scrollTop = Math.max(0, (n - 5) * lineHeight);
  }

  document.addEventListener('click', function (event) {
    var target = event.target.closest ? event.target.closest('[data-confirm], [data-goto-line]') : null;
    if (!target) { return; }
    if (target.hasAttribute('data-confirm')) {
      if (!window.confirm(target.getAttribute('data-confirm'))) { event.preventDefault(); }
      return;
    }
    var line = parseInt(target.getAttribute('data-goto-line'), 10);
    var textarea = document.getElementById('lowlend-yaml');
    if (textarea && line > 0) {
      event.preventDefault();
      goToLine(textarea, line);
    }
  });
}());
