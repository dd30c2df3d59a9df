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

/* Keyboard: "/" focuses the search box (as on many sites), unless typing in a field. */
(function () {
  "use strict";
  var input = document.getElementById("q");
  if (!input) {
    return;
  }
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = target && (target.isContentEditable ||
      /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
    if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      input.focus();
      input.select();
    }
  });
})();

/* Light/dark toggle: remembered in localStorage; theme.js applies it on every page. */
(function () {
  "use strict";
  var button = document.querySelector(".theme-toggle");
  if (!button) {
    return;
  }
  var root = document.documentElement;
  var system = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;

  function isDark() {
    var chosen = root.getAttribute("data-theme");
    return chosen ? chosen === "dark" : !!(system && system.matches);
  }
  function show() {
    var dark = isDark();
    button.setAttribute("aria-pressed", dark ? "true" : "false");
  }
  button.hidden = false;
  show();
  button.addEventListener("click", function () {
    var next = isDark() ? "light" : "dark";
    root.setAttribute("data-theme", next);
    try { window.localStorage.setItem("theme", next); } catch (e) { /* not saved */ }
    show();
  });
  if (system && system.addEventListener) {
    system.addEventListener("change", show);
  }
})();

/* Results page: the per-page choice applies at once; facets fold on a phone. */
(function () {
  "use strict";
  document.querySelectorAll("select.auto-submit, input.auto-submit").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  var fold = document.querySelector("details.facets-fold");
  if (fold && window.matchMedia && window.matchMedia("(max-width: 48rem)").matches &&
      !document.querySelector(".facet.selected")) {
    fold.open = false;
  }
})();

/* Document page: next / previous match from where the reader is, and copy a passage's link.
 * Without script the same links work as plain anchors. */
(function () {
  "use strict";
  var matches = Array.prototype.slice.call(document.querySelectorAll(".passage.match"));
  var status = document.querySelector(".copy-status");

  function current() {
    // The match the reader is at: the last one whose top is above a third of the window.
    var line = window.innerHeight / 3;
    var found = -1;
    matches.forEach(function (passage, i) {
      if (passage.getBoundingClientRect().top <= line) {
        found = i;
      }
    });
    return found;
  }
  function go(step, event) {
    if (!matches.length) {
      return;
    }
    event.preventDefault();
    var at = current();
    var hash = decodeURIComponent(window.location.hash.slice(1));
    matches.forEach(function (passage, i) {
      if (passage.id === hash && Math.abs(passage.getBoundingClientRect().top) < 80) {
        at = i;
      }
    });
    var next = step > 0 ? at + 1 : (at < 0 ? matches.length - 1 : at - 1);
    next = (next + matches.length) % matches.length;
    var target = matches[next];
    window.history.replaceState(null, "", "#" + target.id);
    target.scrollIntoView({ block: "start" });
    var link = target.querySelector(".passage-number");
    if (link) {
      link.focus({ preventScroll: true });
    }
  }
  document.querySelectorAll(".match-next").forEach(function (link) {
    link.addEventListener("click", function (event) { go(1, event); });
  });
  document.querySelectorAll(".match-prev").forEach(function (link) {
    link.addEventListener("click", function (event) { go(-1, event); });
  });

  function say(text) {
    if (status) {
      status.textContent = text;
    }
  }
  document.querySelectorAll(".copy-link").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var url = window.location.href.split("#")[0] + "#" + button.getAttribute("data-anchor");
      if (!navigator.clipboard || !navigator.clipboard.writeText) {
        window.location.hash = button.getAttribute("data-anchor");
        say("انسخ الرابط من شريط العنوان.");
        return;
      }
      navigator.clipboard.writeText(url).then(function () {
        button.setAttribute("data-copied", url);
        say("نُسخ رابط المقطع.");
      }, function () {
        window.location.hash = button.getAttribute("data-anchor");
        say("تعذّر النسخ: انسخ الرابط من شريط العنوان.");
      });
    });
  });
})();
