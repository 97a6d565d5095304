"""Error pages in Danish, for every handler a person's browser talks to."""

from __future__ import annotations

from html import escape
from typing import Any

ERROR_TEXT = {
    400: "Forespørgslen kunne ikke forstås.",
    403: "Du har ikke adgang til denne side.",
    404: "Siden eller filen findes ikke.",
    405: "Det kan ikke lade sig gøre her.",
    429: "Du har for mange sider åbne på én gang. Luk nogle af dine faner med SSP-evaluering, "
         "og prøv så igen.",
}
ERROR_PAGE = """<!doctype html><html lang="da"><head><meta charset="utf-8">
<title>{title}</title><style>body{{font-family:Arial,Helvetica,sans-serif;color:#1F2933;margin:40px}}
a{{color:#0072B2}}</style></head><body><h1>{title}</h1><p>{text}</p>
<p><a href="{home}">Til forsiden</a></p></body></html>"""


class DanishErrors:
    """Error pages in Danish with no traceback (``show_tracebacks`` is off, voila#203)."""

    def write_error(self: Any, status_code: int, **kwargs: Any) -> None:
        text = ERROR_TEXT.get(status_code, "Der opstod en uventet fejl. Prøv igen om lidt.")
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(ERROR_PAGE.format(title=escape(f"Fejl {status_code}"), text=escape(text),
                                      home=escape(self.base_url)))
