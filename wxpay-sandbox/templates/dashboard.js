// The sandbox dashboard's only script: buttons post without leaving the
// page, and the live part of the page is fetched again every second.
// Without it the page still works: forms post and come back here.
(function () {
  "use strict";
  var live = document.getElementById("live");
  var version = live.getAttribute("data-version");
  var busy = false;
  // The server hashes the live part: it is replaced only when it changed.
  function refresh() {
    if (busy) { return; }
    busy = true;
    fetch("/dashboard/live", { cache: "no-store", credentials: "same-origin" })
      .then(function (r) {
        if (!r.ok) { return null; }
        return r.text().then(function (html) { return [r.headers.get("X-Dashboard-Version"), html]; });
      })
      .then(function (got) {
        if (got && got[0] !== version) { version = got[0]; live.innerHTML = got[1]; }
      })
      .catch(function () {})
      .then(function () { busy = false; });
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    event.preventDefault();
    var body = new URLSearchParams(new FormData(form));
    fetch(form.action, { method: "POST", body: body, headers: { "X-Dashboard": "fetch" }, credentials: "same-origin" })
      .catch(function () {})
      .then(function () { busy = false; refresh(); });
  });
  setInterval(refresh, 1000);
}());
