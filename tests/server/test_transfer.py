"""``POST /ssp/upload`` and ``GET /ssp/download/<kind>/<name>`` on a real local server.

What the page's ``XMLHttpRequest`` does, done with httpx: the file as the raw body, its name
in ``X-File-Name``, the ``_xsrf`` cookie's value in ``X-XSRFToken``. The database is read
back after each upload to see that it changed (or did not).
"""

from __future__ import annotations

import io
import socket
from urllib.parse import quote

import httpx
import openpyxl
import pytest
import yaml
from serverkit import RunningServer, small_export, upload, xsrf_client

from evaluation.settings import reports_path
from evaluation.store import db


def import_count(server: RunningServer) -> int:
    with db.reader(server.db_path) as con:
        return con.execute("SELECT count(*) FROM imports").fetchone()[0]


def cases_of(server: RunningServer, prefix: str) -> int:
    with db.reader(server.db_path) as con:
        return con.execute("SELECT count(*) FROM cases WHERE sags_id LIKE ?", [f"{prefix}-%"]).fetchone()[0]


def test_a_valid_file_is_loaded_and_the_same_file_again_changes_nothing(local_server: RunningServer) -> None:
    client = xsrf_client(local_server)
    before = import_count(local_server)
    body = small_export("Sindal", "UPL")
    first = upload(client, "Sindal", quote("Sindal forår.csv"), body)
    assert first.status_code == 200, first.text
    answer = first.json()
    assert answer["status"] == "loaded"
    assert answer["summary"].startswith("Sindal forår.csv: 3 sager indlæst (3 nye, 0 rettede).")
    assert import_count(local_server) == before + 1 and cases_of(local_server, "UPL") == 3
    again = upload(client, "Sindal", quote("Sindal forår.csv"), body).json()
    assert again["status"] == "unchanged" and "allerede indlæst" in again["summary"]
    assert import_count(local_server) == before + 1


def test_an_invalid_file_is_rejected_with_row_and_column_in_danish(local_server: RunningServer) -> None:
    client = xsrf_client(local_server)
    before = import_count(local_server)
    body = small_export("Sindal", "BAD").replace(b";2025-04;", b";april;")
    answer = upload(client, "Sindal", "rettes.csv", body).json()
    assert answer["status"] == "rejected"
    assert answer["summary"].startswith("rettes.csv afvist:")
    errors = [m["text"] for m in answer["messages"] if m["level"] == "fejl"]
    assert errors and any("række 3" in text and "kolonne D" in text for text in errors), errors
    assert import_count(local_server) == before and cases_of(local_server, "BAD") == 0


def test_a_file_of_another_network_is_rejected_by_the_ingest(local_server: RunningServer) -> None:
    client = xsrf_client(local_server)
    answer = upload(client, "Hirtshals", "sindal.csv", small_export("Sindal", "NET")).json()
    assert answer["status"] == "rejected" and cases_of(local_server, "NET") == 0


@pytest.mark.parametrize(("headers", "status", "words"), [
    ({"X-File-Name": "data.pdf"}, 415, "kun .csv- og .xlsx-filer"),
    ({"X-File-Name": ""}, 400, "Filnavnet mangler"),
    ({"X-File-Name": quote("../../etc/x.csv")}, 200, None),  # only the last part is kept
], ids=["pdf", "no-name", "path-in-name"])
def test_file_names_are_checked(local_server: RunningServer, headers: dict, status: int, words: str | None) -> None:
    client = xsrf_client(local_server)
    response = client.post("/ssp/upload", params={"network": "Sindal"}, content=small_export("Sindal", "NAM"),
                           headers={**headers, "X-XSRFToken": client.cookies["_xsrf"]})
    assert response.status_code == status, response.text
    if words:
        assert response.json()["status"] == "refused" and words in response.json()["summary"]
    else:
        assert response.json()["summary"].startswith("x.csv")


def test_without_the_xsrf_token_nothing_is_loaded(local_server: RunningServer) -> None:
    client = xsrf_client(local_server)
    before = import_count(local_server)
    response = upload(client, "Sindal", "x.csv", small_export("Sindal", "XSRF"), xsrf=False)
    assert response.status_code == 403 and response.json()["status"] == "refused"
    forged = client.post("/ssp/upload", params={"network": "Sindal"}, content=small_export("Sindal", "XSRF"),
                         headers={"X-File-Name": "x.csv", "X-XSRFToken": "2|abc|def|123"})
    assert forged.status_code == 403
    assert import_count(local_server) == before and cases_of(local_server, "XSRF") == 0


def test_a_too_large_file_is_refused_before_its_body_is_sent(local_server: RunningServer) -> None:
    """Only the headers go out; the answer comes at once (the server never waits for 300 MB)."""
    client = xsrf_client(local_server)
    cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    request = (f"POST /ssp/upload?network=Sindal HTTP/1.1\r\nHost: 127.0.0.1:{local_server.port}\r\n"
               f"X-File-Name: stor.csv\r\nX-XSRFToken: {client.cookies['_xsrf']}\r\nCookie: {cookie}\r\n"
               f"Content-Length: {300 * 1024 * 1024}\r\n\r\n")
    with socket.create_connection(("127.0.0.1", local_server.port), timeout=60) as raw:
        raw.sendall(request.encode("latin-1"))
        reply = raw.recv(65536).decode("utf-8", "replace")
    assert reply.startswith("HTTP/1.1 413")
    assert "højst 256 MB" in reply and '"status": "refused"' in reply


def test_without_a_chosen_network_the_files_own_column_counts(local_server: RunningServer) -> None:
    client = xsrf_client(local_server)
    response = upload(client, "", "x.csv", small_export("Sindal", "NONET"))
    assert response.status_code == 200 and response.json()["status"] == "loaded"
    assert cases_of(local_server, "NONET") == 3


def test_templates_and_the_plan_are_downloaded_from_the_library(local_server: RunningServer) -> None:
    client = xsrf_client(local_server)
    xlsx = client.get("/ssp/download/skabelon/sagsudtraek-skabelon.xlsx")
    assert xlsx.status_code == 200
    assert "attachment" in xlsx.headers["content-disposition"]
    assert "Sager" in openpyxl.load_workbook(io.BytesIO(xlsx.content)).sheetnames
    plan = client.get("/ssp/download/plan/handleplan.yaml")
    assert plan.status_code == 200 and "actors" in yaml.safe_load(plan.text)
    assert client.get("/ssp/download/plan/noget-andet.yaml").status_code == 404
    assert client.get("/ssp/download/ukendt/x.pdf").status_code == 404


def test_the_actioncard_pdf_is_made_on_request(local_server: RunningServer) -> None:
    response = xsrf_client(local_server).get("/ssp/download/actioncard/actioncard.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert response.headers["content-type"] == "application/pdf"


def test_reports_come_from_the_reports_folder_and_nowhere_else(local_server: RunningServer) -> None:
    folder = reports_path(db_path=local_server.db_path)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "aarsevaluering-2025-team.html").write_text("<p>Rapport</p>", encoding="utf-8")
    (folder.parent / "hemmelig.html").write_text("HEMMELIGT", encoding="utf-8")
    client = xsrf_client(local_server)
    ok = client.get("/ssp/download/rapport/aarsevaluering-2025-team.html")
    assert ok.status_code == 200 and ok.text == "<p>Rapport</p>"
    for name in ("..%2Fhemmelig.html", "%2E%2E%2Fhemmelig.html", "..%5Chemmelig.html", "%2Fetc%2Fpasswd",
                 "....%2F%2Fhemmelig.html", "hemmelig.html", "..", "%00.html", ".hemmelig.html"):
        response = client.get(f"/ssp/download/rapport/{name}")
        assert response.status_code in (403, 404), name
        assert "HEMMELIGT" not in response.text and "root:" not in response.text


def test_an_unknown_route_answers_in_danish(local_server: RunningServer) -> None:
    response = httpx.get(local_server.url("/ssp/download/rapport/findes-ikke.pdf"), timeout=30)
    assert response.status_code == 404 and "findes ikke" in response.text
