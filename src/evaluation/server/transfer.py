"""Files in and out of the server: ``POST /ssp/upload`` and ``GET /ssp/download/<kind>/<name>``.

Uploads do not go through an ipywidgets message (``FileUpload`` sends every chosen file in
one websocket message: 10 MiB limit, no progress, sizes known only after the transfer). The
page sends each file as the raw body of one ``XMLHttpRequest`` (so it can show progress);
this handler refuses a too large file from its ``Content-Length`` before reading a byte,
streams the body to a private temporary file, and hands it to ``ingest.ingest_file`` — the
same function as ``ssp-eval ingest``, so there is one code path. The answer is JSON in
Danish: ``{"status": "loaded|rejected|unchanged|refused", "summary": …, "messages": […]}``;
``refused`` (with a 4xx status) means the server did not hand the file to the ingest at all.

Downloads come from ``downloads.produce`` (a kind and a plain file name, never a path).
Both are login-checked like every page (``JupyterHandler.prepare``) and XSRF-checked for
the upload (the page sends the ``_xsrf`` cookie's value as ``X-XSRFToken``).
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from jupyter_server.base.handlers import APIHandler, JupyterHandler
from tornado import web

from evaluation.errors import EvaluationError
from evaluation.server import downloads, login, roles
from evaluation.server.errorpage import DanishErrors
from evaluation.settings import acting_as, database_path, reports_path, settings

log = logging.getLogger(__name__)

UPLOAD_SUFFIXES = (".csv", ".xlsx")
CHUNK = 256 * 1024
MAX_NETWORK_NAME = 100
# A refused upload up to this size is read (and dropped) before the answer, so the page
# gets the Danish reason; a larger one is answered at once and the connection closed.
ANSWER_AFTER_BODY_BYTES = 1024 * 1024


def refusal(summary: str) -> dict[str, Any]:
    """The JSON of an upload the server did not hand to the ingest (with a 4xx status)."""
    return {"status": "refused", "summary": summary, "messages": []}


class UploadRefused(web.HTTPError):
    """An HTTP error whose Danish sentence is the JSON answer's ``summary``."""

    def __init__(self, status: int, summary: str) -> None:
        super().__init__(status, reason=None)
        self.summary = summary


async def in_worker(function: Any, *args: Any, **kwargs: Any) -> Any:
    """Run blocking library code off the event loop, keeping the request's context (who asks)."""
    context = contextvars.copy_context()
    return await asyncio.get_running_loop().run_in_executor(None, lambda: context.run(function, *args, **kwargs))


@web.stream_request_body
class UploadHandler(APIHandler):
    """``POST /ssp/upload?network=<name>``, header ``X-File-Name`` (URI-encoded), raw body."""

    _tmp_dir: Path | None = None
    _file: Any = None
    _refused: web.HTTPError | None = None

    async def prepare(self) -> None:
        length = self.request.headers.get("Content-Length", "")
        length_ok = length.isdigit()
        try:
            await super().prepare()  # login (403 without), XSRF (the X-XSRFToken header), origin
            if self._finished:
                return
            self._check_request(int(length) if length_ok else None)
        except web.HTTPError as exc:
            if length_ok and int(length) <= ANSWER_AFTER_BODY_BYTES and exc.status_code != 413:
                # Answered once the small body is read: a browser still sending it would see
                # a broken connection instead of the Danish answer.
                self._refused = exc
                return
            raise
        self._tmp_dir = Path(tempfile.mkdtemp(prefix="ssp-upload-"))
        self._file = open(self._tmp_dir / self.file_name, "wb")  # noqa: SIM115 - closed in post/on_finish

    def _check_request(self, length: int | None) -> None:
        """Method, file name, network and size, before a byte of the body is read."""
        if self.request.method != "POST":
            raise UploadRefused(405, "Filer sendes med POST.")
        self.file_name = self._checked_file_name(self.request.headers.get("X-File-Name", ""))
        self.network = self._checked_network(self.get_query_argument("network", ""))
        user = self.current_user
        if isinstance(user, login.SspUser):
            if user.role == roles.NETWORK and self.network is None:
                self.network = user.network  # the file's own column must then name the same network
            if not roles.may_upload(user.person, self.network):
                login.state_of(self).log.record("refused", username=user.username, network=self.network,
                                                detail="indlæsning", address=login.state_of(self).client_address(self))
                raise UploadRefused(403, "Du kan kun indlæse filer for dit eget netværk."
                                    if user.role == roles.NETWORK else "Du har ikke adgang til at indlæse filer.")
        limit = settings.upload_max_mb * 1024 * 1024
        if length is None:
            raise UploadRefused(411, "Filens størrelse mangler i forespørgslen. Prøv igen fra siden Indlæs udtræk.")
        if length > limit:
            raise UploadRefused(413, f"Filen {self.file_name} er for stor: højst {settings.upload_max_mb} MB kan "
                                     "indlæses ad gangen.")
        if length == 0:
            raise UploadRefused(400, f"Filen {self.file_name} er tom.")
        self.request.connection.set_max_body_size(limit)

    @staticmethod
    def _checked_file_name(header: str) -> str:
        """The original file name (the ingest's messages and the imports list show it)."""
        name = unquote(header).strip()
        try:
            name = downloads.check_name(Path(name.replace("\\", "/")).name)
        except downloads.DownloadRefused:
            raise UploadRefused(400, "Filnavnet mangler eller er ikke gyldigt.") from None
        if not name.lower().endswith(UPLOAD_SUFFIXES):
            raise UploadRefused(415, f"Filen {name} kan ikke indlæses: kun .csv- og .xlsx-filer.")
        return name

    @staticmethod
    def _checked_network(network: str) -> str | None:
        """The network chosen on the page; None when the file names its network in a column."""
        network = " ".join(network.split())
        if len(network) > MAX_NETWORK_NAME:
            raise UploadRefused(400, "Netværkets navn er for langt.")
        return network or None

    @property
    def db_path(self) -> Path:
        return database_path(None)

    def data_received(self, chunk: bytes) -> None:
        if self._file is not None:  # else refused: the body is read and dropped
            self._file.write(chunk)

    async def post(self) -> None:
        from evaluation.ingest import ingest

        if self._refused is not None or self._file is None:
            raise self._refused or UploadRefused(400, "Filen kunne ikke modtages.")
        self._file.close()
        path = self._tmp_dir / self.file_name
        user = self.current_user
        try:
            with acting_for(user):
                result = await in_worker(ingest.ingest_file, self.db_path, path, network=self.network)
        except EvaluationError as exc:  # the database is busy or unreadable: said in Danish
            raise UploadRefused(503, str(exc)) from None
        if isinstance(user, login.SspUser):
            state = login.state_of(self)
            state.log.record("upload", username=user.username, network=self.network,
                             detail=f"{result.status}, indlæsning {result.import_id or '–'}",
                             address=state.client_address(self))
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps({
            "status": result.status,
            "summary": result.summary(),
            "messages": [{"level": m.level, "text": str(m)} for m in result.messages],
            "import_id": result.import_id,
        }, ensure_ascii=False))

    def on_finish(self) -> None:
        self._remove_temporary()

    def on_connection_close(self) -> None:  # the browser gave up mid-transfer
        self._remove_temporary()

    def _remove_temporary(self) -> None:
        if self._file is not None and not self._file.closed:
            self._file.close()
        if self._tmp_dir is not None:
            shutil.rmtree(self._tmp_dir, ignore_errors=True)
            self._tmp_dir = None

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, UploadRefused):
            summary = exc.summary
        elif status_code == 403:
            summary = "Du har ikke adgang til at indlæse filer. Log ind igen, og genindlæs siden."
        elif status_code == 413:
            summary = f"Filen er for stor: højst {settings.upload_max_mb} MB kan indlæses ad gangen."
        else:
            log.error("Upload fejlede: %s", type(exc).__name__ if exc else status_code)
            summary = "Filen kunne ikke modtages på grund af en uventet fejl. Prøv igen."
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps(refusal(summary), ensure_ascii=False))


@contextmanager
def acting_for(user: Any) -> Iterator[None]:
    """Writes in this block record the logged-in person (``settings.current_user``)."""
    if isinstance(user, login.SspUser):
        with acting_as(user.username):
            yield
    else:
        yield


def content_disposition(name: str) -> str:
    """``attachment`` with an ASCII fallback and the real (Danish) name per RFC 6266/5987."""
    fallback = name.encode("ascii", "replace").decode("ascii").replace("?", "_").replace('"', "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


class DownloadHandler(DanishErrors, JupyterHandler):
    """``GET /ssp/download/<kind>/<name>``: a file from a library function or the reports folder."""

    @web.authenticated
    async def get(self, kind: str, name: str) -> None:
        self.xsrf_token  # noqa: B018 - sets the _xsrf cookie for the page's uploads
        db_path = database_path(None)
        user = self.current_user
        if isinstance(user, login.SspUser):
            state = login.state_of(self)
            allowed = roles.may_download(user.person, kind) and (
                kind != "netvaerk" or roles.may_see_network(user.person, downloads.network_of(kind, name)))
            state.log.record("download" if allowed else "refused", username=user.username,
                             detail=f"{kind}/{name}"[:200], address=state.client_address(self))
            if not allowed:
                raise web.HTTPError(403)
        try:
            found = await in_worker(downloads.produce, kind, name, db_path=db_path,
                                    reports_dir=reports_path(db_path=db_path))
        except downloads.DownloadRefused as exc:
            raise web.HTTPError(403, reason="Refused") from exc.with_traceback(None)
        except downloads.DownloadMissing:
            raise web.HTTPError(404) from None
        try:
            self.set_header("Content-Type", found.media_type)
            self.set_header("Content-Disposition", content_disposition(found.file_name))
            self.set_header("Cache-Control", "no-store")
            self.set_header("X-Content-Type-Options", "nosniff")
            self.set_header("Content-Length", str(found.path.stat().st_size))
            with open(found.path, "rb") as handle:
                while chunk := handle.read(CHUNK):
                    self.write(chunk)
                    await self.flush()
        finally:
            found.cleanup()
