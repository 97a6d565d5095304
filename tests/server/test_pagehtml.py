"""``pagehtml``: the page's HTML without links to other hosts, and the session watch script."""

from __future__ import annotations

from evaluation.server import pagehtml

VOILA_HEAD = """<head>
  <link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@^5/css/all.min.css" type="text/css" />
  <link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@^5/css/v4-shims.min.css" type="text/css" />
  <link rel="stylesheet" href="//cdn.example.org/x.css">
  <link rel="stylesheet" href="/voila/static/theme-light.css" type="text/css" />
</head>"""


def test_links_to_other_hosts_are_dropped_and_local_ones_kept() -> None:
    adjusted = pagehtml.adjust(VOILA_HEAD, watch=None)
    assert "jsdelivr" not in adjusted and "example.org" not in adjusted
    assert '<link rel="stylesheet" href="/voila/static/theme-light.css"' in adjusted


def test_the_watch_goes_before_the_end_of_the_body_and_only_there() -> None:
    watch = pagehtml.watch_script("/")
    assert pagehtml.adjust("<div>tal</div>", watch=watch) == "<div>tal</div>"
    page = pagehtml.adjust("<body><p>x</p></body>\n</html>", watch=watch)
    assert page.startswith("<body><p>x</p><script>") and page.endswith("</script>\n</body>\n</html>")
    assert '"status": "/ssp/session"' in watch and '"login": "/login"' in watch


def test_the_watch_script_cannot_be_closed_by_its_values() -> None:
    watch = pagehtml.watch_script('/"</script><script>alert(1)</script>/')
    assert watch.count("</script>") == 1 and "alert(1)</script>" not in watch
