"""The browser side of an upload: a file chooser that sends each file to the server's handler.

Why not ipywidgets' ``FileUpload``: it reads every chosen file into the browser's memory
and sends them all in one websocket message to the kernel (tornado's default limit is
10 MiB), with no progress and the size checked only after the transfer. Here the browser
sends each file as the raw body of ``POST /ssp/upload?network=<name>`` (the network chosen
on the page; the server requires it and ingest checks a file's own network column against it; header
``X-File-Name``) with ``XMLHttpRequest``, so the page shows each file's progress, and the
server streams it to a temporary file, checks the size first and hands it to the same
``ingest`` as ``ssp-eval ingest``. The handler answers
``{"status": "loaded|rejected|unchanged", "summary": …, "messages": [{"level", "text"}]}``,
which the page shows as it is (the Danish sentences, with file, row and column, personal
data already masked by ingest), then tells the kernel, which redraws the import list.

Everything the server says is put on the page as text (``textContent``), never as HTML.
"""

from __future__ import annotations

from collections.abc import Callable

import anywidget
import traitlets

ESM = r"""
function xsrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)_xsrf=([^;]*)/);
  return match ? match[1] : null;
}

// A browser stays quick with a few hundred lines; a file with thousands of problems has one
// cause to fix first, and loading it again shows what is left.
const MAX_SHOWN = 500;

const FAILURES = {
  0: "Forbindelsen til serveren blev afbrudt. Prøv igen.",
  403: "Du har ikke adgang til at indlæse filer. Log ind igen, eller spørg teamet.",
  404: "Serveren kan ikke tage imod filer. Start programmet med 'ssp-eval dashboard' eller 'ssp-eval serve'.",
  413: "Filen er for stor til at blive indlæst.",
};

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

function sendOne(model, file, row) {
  return new Promise((resolve) => {
    const bar = row.querySelector("progress");
    const state = row.querySelector(".ssp-upload-state");
    const network = model.get("network");
    const url = new URL(model.get("upload_url"), window.location.href);
    url.searchParams.set("network", network);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url.toString());
    xhr.setRequestHeader("X-File-Name", encodeURIComponent(file.name));
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    const token = xsrfToken();
    if (token) xhr.setRequestHeader("X-XSRFToken", token);
    xhr.upload.onprogress = (event) => {
      if (!event.lengthComputable) return;
      bar.max = event.total;
      bar.value = event.loaded;
      state.textContent = `Sender … ${Math.floor((100 * event.loaded) / event.total)} %`;
    };
    xhr.upload.onload = () => { bar.removeAttribute("value"); state.textContent = "Kontrollerer og indlæser …"; };
    const finish = (answer) => {
      bar.remove();
      row.dataset.status = answer.status;
      state.textContent = { loaded: "Indlæst", unchanged: "Uændret", rejected: "Afvist" }[answer.status] || "Fejl";
      row.appendChild(el("div", "ssp-upload-summary", answer.summary || ""));
      const messages = answer.messages || [];
      if (messages.length) {
        const list = el("ul", "ssp-upload-messages");
        for (const m of messages.slice(0, MAX_SHOWN)) {
          list.appendChild(el("li", `ssp-upload-${m.level === "fejl" ? "error" : "warning"}`, m.text));
        }
        row.appendChild(list);
        if (messages.length > MAX_SHOWN) {
          row.appendChild(el("div", "ssp-upload-more", `De første ${MAX_SHOWN} af ${messages.length} beskeder vises. ` +
            "Ret dem i filen, og indlæs den igen for at se resten."));
        }
      }
      resolve({ file: file.name, status: answer.status });
    };
    xhr.onload = () => {
      let answer = null;
      try { answer = JSON.parse(xhr.responseText); } catch (e) { answer = null; }
      if (answer && answer.status && answer.summary !== undefined) { finish(answer); return; }
      finish({ status: "failed", summary: `${file.name}: ${FAILURES[xhr.status] || "Serveren kunne ikke indlæse filen (fejl " + xhr.status + "). Prøv igen."}`, messages: [] });
    };
    xhr.onerror = () => finish({ status: "failed", summary: `${file.name}: ${FAILURES[0]}`, messages: [] });
    xhr.send(file);
  });
}

export default {
  render({ model, el: root }) {
    root.classList.add("ssp-upload");
    // The browser's own file button speaks the browser's language; this label always speaks Danish.
    const input = el("input");
    input.type = "file";
    input.multiple = true;
    input.accept = model.get("accept");
    input.className = "ssp-upload-input";
    input.id = `ssp-upload-${Math.random().toString(36).slice(2)}`;
    const pick = el("label", "ssp-upload-pick jupyter-button", "Vælg filer …");
    pick.htmlFor = input.id;
    pick.tabIndex = 0;
    pick.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); input.click(); } });
    const chosen = el("span", "ssp-upload-chosen", "Ingen filer valgt");
    input.addEventListener("change", () => {
      const names = Array.from(input.files || []).map((f) => f.name);
      chosen.textContent = !names.length ? "Ingen filer valgt"
        : names.length === 1 ? `1 fil valgt: ${names[0]}` : `${names.length} filer valgt: ${names.join(", ")}`;
    });
    const button = el("button", "ssp-upload-button jupyter-button mod-primary", "Indlæs");
    button.type = "button";
    const list = el("ol", "ssp-upload-list");
    const chooser = el("div", "ssp-upload-chooser");
    chooser.append(input, pick, chosen, button);
    root.append(chooser, list);
    button.addEventListener("click", async () => {
      const files = Array.from(input.files || []);
      if (!model.get("network")) {
        list.replaceChildren(el("li", "ssp-upload-hint", "Vælg først det SSP-netværk, filerne kommer fra."));
        return;
      }
      if (!files.length) {
        list.replaceChildren(el("li", "ssp-upload-hint", "Vælg først en eller flere filer (.csv eller .xlsx)."));
        return;
      }
      button.disabled = true; input.disabled = true;
      list.replaceChildren();
      const rows = files.map((file) => {
        const row = el("li", "ssp-upload-file");
        row.dataset.status = "waiting";
        row.dataset.name = file.name;
        const head = el("div", "ssp-upload-head");
        head.append(el("b", "", file.name), el("progress"), el("span", "ssp-upload-state", "Venter …"));
        row.appendChild(head);
        list.appendChild(row);
        return row;
      });
      const results = [];
      for (let i = 0; i < files.length; i++) results.push(await sendOne(model, files[i], rows[i]));
      model.send({ event: "done", results });
      button.disabled = false; input.disabled = false; input.value = "";
      chosen.textContent = "Ingen filer valgt";
    });
  },
};
"""

CSS = """
.ssp-upload { font-family: Arial, Helvetica, sans-serif; font-size: 14px; margin: 6px 0 10px 0; }
.ssp-upload-chooser { display: flex; gap: 12px; align-items: center; flex-wrap: wrap; }
.ssp-upload-input { position: absolute; width: 1px; height: 1px; opacity: 0; overflow: hidden; }
.ssp-upload-pick { display: inline-flex; align-items: center; padding: 0 14px; height: 30px; cursor: pointer;
                   border: 1px solid #9AA5B1; border-radius: 3px; background: #F5F7FA; }
.ssp-upload-pick:focus { outline: 2px solid #0072B2; }
.ssp-upload-chosen { color: #52606D; max-width: 600px; }
.ssp-upload-button { min-width: 120px; }
.ssp-upload-list { padding-left: 20px; max-width: 1100px; }
.ssp-upload-file { margin: 6px 0; }
.ssp-upload-head { display: flex; gap: 12px; align-items: center; }
.ssp-upload-head progress { width: 260px; }
.ssp-upload-state { color: #52606D; }
.ssp-upload-file[data-status="loaded"] .ssp-upload-state,
.ssp-upload-file[data-status="unchanged"] .ssp-upload-state { color: #00704F; font-weight: bold; }
.ssp-upload-file[data-status="rejected"] .ssp-upload-state,
.ssp-upload-file[data-status="failed"] .ssp-upload-state { color: #B44D00; font-weight: bold; }
.ssp-upload-summary { margin: 2px 0; }
.ssp-upload-messages { max-height: 320px; overflow-y: auto; margin: 2px 0; padding-left: 18px; }
.ssp-upload-error { color: #8A2C00; }
.ssp-upload-warning { color: #6B4E00; }
.ssp-upload-hint { color: #B44D00; list-style: none; }
.ssp-upload-more { color: #52606D; font-style: italic; }
"""


class Uploader(anywidget.AnyWidget):
    """File chooser and 'Indlæs' button; ``on_done(results)`` runs in the kernel after each batch."""

    _esm = ESM
    _css = CSS
    upload_url = traitlets.Unicode("").tag(sync=True)
    network = traitlets.Unicode("").tag(sync=True)
    accept = traitlets.Unicode(".csv,.xlsx").tag(sync=True)

    def __init__(self, upload_url: str, on_done: Callable[[list[dict]], None]) -> None:
        super().__init__(upload_url=upload_url)
        self.on_msg(lambda _w, content, _b: on_done(list(content.get("results", [])))
                    if content.get("event") == "done" else None)


__all__ = ["Uploader"]
