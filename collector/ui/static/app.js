// rampart UI: the little script there is. The pages work without it; it
// asks before destructive forms are sent, and shows times in local time.
"use strict";
document.addEventListener("submit", function (e) {
  var f = e.target;
  var msg = f.getAttribute && f.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) {
    e.preventDefault();
  }
});
document.addEventListener("DOMContentLoaded", function () {
  var els = document.querySelectorAll("time[datetime]");
  for (var i = 0; i < els.length; i++) {
    var d = new Date(els[i].getAttribute("datetime"));
    if (!isNaN(d.getTime())) {
      els[i].title = els[i].textContent;
      els[i].textContent = d.toLocaleString();
    }
  }
});
