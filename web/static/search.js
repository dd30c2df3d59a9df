/* Autocomplete for the search box: fills the <datalist> from /api/suggest.
 * The box works without this file; it only adds suggestions. No inline script (CSP). */
(function () {
  "use strict";

  var input = document.getElementById("q");
  var list = document.getElementById("q-suggestions");
  if (!input || !list || !window.fetch || !window.AbortController) {
    return;
  }
  var endpoint = input.getAttribute("data-suggest-url");
  var DELAY_MS = 200;
  var timer = null;
  var pending = null;
  var lastAsked = null;

  // Everything before the word being typed; suggestions complete only that word.
  function head(text) {
    return text.slice(0, text.length - /\S*$/.exec(text)[0].length);
  }

  function fill(query, words) {
    var before = head(query);
    list.textContent = "";
    words.forEach(function (word) {
      var option = document.createElement("option");
      option.value = before + word;
      list.appendChild(option);
    });
  }

  function ask() {
    var query = input.value;
    if (query === lastAsked) {
      return;
    }
    lastAsked = query;
    if (pending) {
      pending.abort();
    }
    if (!query.trim() || /\s$/.test(query)) {
      list.textContent = "";
      return;
    }
    pending = new AbortController();
    fetch(endpoint + "?q=" + encodeURIComponent(query), {
      signal: pending.signal,
      headers: { Accept: "application/json" }
    })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data && data.ok && input.value === query) {
          fill(query, data.suggestions || []);
        }
      })
      .catch(function () { /* aborted or offline: keep the box as it is */ });
  }

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(ask, DELAY_MS);
  });
})();
