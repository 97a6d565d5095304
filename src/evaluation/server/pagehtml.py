"""What the server changes in the HTML of Voilà's pages (``handlers.RenderHandler.write``).

- **No requests to other hosts.** Voilà 0.5's lab template links Font Awesome from
  cdn.jsdelivr.net; on the municipality's network that is either a failed request or a
  browser telling an outside host when someone opens a page. The pages use no icons from
  it, so the links are dropped (any ``<link>`` to an absolute http(s) address).
- **An open page learns that its session ended** (``ssp-eval serve`` only). When a session
  ends (logout, idle, ``users disable``, a new password) the watch (``guard``) shuts the
  page's kernel down, but the tab still shows the last figures and its widgets silently stop
  answering. A small script asks ``/ssp/session`` every ``POLL_SECONDS`` (and when the tab
  becomes visible) and, when the answer is 401, covers the page with a Danish notice and a
  link back to the login. The question does not count as activity (``SessionStatusHandler``),
  so a forgotten tab still expires.
"""

from __future__ import annotations

import json
import re

from tornado import web

from evaluation.server import login
from evaluation.settings import settings

POLL_SECONDS = 10
REMOTE_LINK = re.compile(r"<link\b[^>]*\bhref\s*=\s*[\"']?(?:https?:)?//[^>]*>\s*", re.IGNORECASE)

ENDED_TITLE = "Du er ikke længere logget ind"
ENDED_TEXT = ("Din session er slut: du har logget ud, været væk i mere end {minutes} minutter, "
              "eller teamet har lukket din adgang. Siden er lukket og viser ikke længere nye tal.")
ENDED_LINK = "Log ind igen"

WATCH_SCRIPT = """<script>
(function () {
  "use strict";
  var cfg = %(config)s, shown = false;
  function show() {
    if (shown) { return; }
    shown = true;
    var cover = document.createElement("div");
    cover.id = "ssp-session-ended";
    cover.setAttribute("role", "alertdialog");
    cover.setAttribute("aria-modal", "true");
    cover.setAttribute("aria-labelledby", "ssp-session-ended-title");
    cover.style.cssText = "position:fixed;inset:0;z-index:100000;background:rgba(31,41,51,0.55);" +
      "display:flex;align-items:center;justify-content:center;font-family:Arial,Helvetica,sans-serif";
    var box = document.createElement("div");
    box.style.cssText = "background:#FFF;color:#1F2933;max-width:460px;padding:24px 28px;border-radius:6px;" +
      "border-left:6px solid #D55E00";
    var title = document.createElement("h2");
    title.id = "ssp-session-ended-title";
    title.style.cssText = "margin:0 0 10px 0;font-size:20px";
    title.textContent = cfg.title;
    var text = document.createElement("p");
    text.textContent = cfg.text;
    var link = document.createElement("a");
    link.href = cfg.login + "?next=" + encodeURIComponent(location.pathname + location.search);
    link.textContent = cfg.link;
    link.style.cssText = "display:inline-block;margin-top:8px;padding:8px 16px;background:#0072B2;color:#FFF;" +
      "border-radius:4px;text-decoration:none;font-size:16px";
    box.appendChild(title); box.appendChild(text); box.appendChild(link);
    cover.appendChild(box);
    document.body.appendChild(cover);
    link.focus();
  }
  function check() {
    fetch(cfg.status, {credentials: "same-origin", cache: "no-store"})
      .then(function (answer) { if (answer.status === 401) { show(); } })
      .catch(function () { /* the server is away for a moment: ask again later */ });
  }
  setInterval(check, cfg.seconds * 1000);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { check(); } });
})();
</script>
"""


def watch_script(base_url: str) -> str:
    """The session watch for a page served under ``base_url`` (values JSON-encoded, no markup)."""
    config = {"status": base_url + "ssp/session", "login": base_url + "login", "seconds": POLL_SECONDS,
              "title": ENDED_TITLE, "text": ENDED_TEXT.format(minutes=settings.session_idle_minutes),
              "link": ENDED_LINK}
    encoded = json.dumps(config, ensure_ascii=True).replace("<", "\\u003c")  # never closes the script
    return WATCH_SCRIPT % {"config": encoded}


def adjust(html: str, *, watch: str | None) -> str:
    """A chunk of a page's HTML without links to other hosts, with the watch before ``</body>``."""
    html = REMOTE_LINK.sub("", html)
    if watch and "</body>" in html:
        head, _, tail = html.rpartition("</body>")
        html = head + watch + "</body>" + tail
    return html


class SessionStatusHandler(web.RequestHandler):
    """``/ssp/session``: 204 while the request's session is live, else 401 (nothing else said).

    A plain tornado handler on purpose: Jupyter's handlers look the person up on every request,
    and that lookup counts as activity — this question must not keep a forgotten tab alive.
    """

    def get(self) -> None:
        self.set_header("Cache-Control", "no-store")
        if "ssp_state" not in self.settings:
            raise web.HTTPError(404)  # ssp-eval dashboard: no sessions, nothing to watch
        state = login.state_of(self)
        self.set_status(204 if state.still_live(self) else 401)
        self.finish()
