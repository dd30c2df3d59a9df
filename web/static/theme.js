/* The saved light/dark choice, applied before the page is drawn (loaded without defer).
 * Without a saved choice the page follows the system (prefers-color-scheme in style.css). */
(function () {
  "use strict";
  try {
    var theme = window.localStorage.getItem("theme");
    if (theme === "dark" || theme === "light") {
      document.documentElement.setAttribute("data-theme", theme);
    }
  } catch (e) { /* storage blocked: follow the system */ }
  document.documentElement.classList.add("js");
})();
