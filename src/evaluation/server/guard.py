"""The server's watch (``ssp-eval serve``): sessions end, and their pages' kernels go with them.

A kernel websocket is checked once, when it opens; without this, a page left open would go
on working after its session expired or its user was disabled. Every ``interval`` seconds
``guard_round``:

- counts each kernel's activity (a click on a widget reaches the kernel, which reports it)
  as activity of the session that owns it, so a person working on one page stays logged in;
- ends sessions that are idle too long, too old, whose user is disabled or deleted, or whose
  user got a new password (``users.set_password``), and shuts down their kernels;
- shuts down kernels that belong to no live session (a page opened in a session that ended).

Pre-heated kernels waiting for a person belong to nobody and are left alone.
"""

from __future__ import annotations

import logging
from datetime import UTC, timedelta

from evaluation.server.accesslog import now
from evaluation.server.login import ServerState, _stamp
from evaluation.settings import settings

log = logging.getLogger(__name__)


async def end_session(app_settings: dict, session: str, reason: str, *, event: str = "session_ended") -> None:
    """End a session: forget it, log it, and shut down every kernel its pages started."""
    state: ServerState = app_settings["ssp_state"]
    ended = state.sessions.end(session, reason)
    if ended is not None:
        state.log.record(event, username=ended.username, detail=reason)
    for kernel_id in state.owners.of(session):
        await shut_down(app_settings, kernel_id)


async def shut_down(app_settings: dict, kernel_id: str) -> None:
    state: ServerState = app_settings["ssp_state"]
    kernel_manager = app_settings["kernel_manager"]
    state.owners.forget(kernel_id)
    if kernel_id in kernel_manager:
        try:
            await kernel_manager.shutdown_kernel(kernel_id, now=True)  # see app.SspVoila.stop
        except Exception as exc:  # already stopping or gone: nothing left to do
            log.info("Kernen %s kunne ikke lukkes: %s", kernel_id, type(exc).__name__)


def why_ended(state: ServerState, session: object) -> str | None:
    """The reason a live session must end now, or None."""
    expired = state.sessions.expired(session)  # type: ignore[arg-type]
    if expired:
        return expired
    record = state.user(session.username)  # type: ignore[attr-defined]
    if record is None:
        return "bruger findes ikke"
    if not record.active:
        return "deaktiveret"
    if _stamp(record.password_changed_at) != session.password_changed_at:  # type: ignore[attr-defined]
        return "ny adgangskode"
    return None


PRUNE_EVERY = timedelta(hours=24)


async def guard_round(app_settings: dict) -> None:
    """One round of the watch (see the module docstring); once a day, the log's old rows go."""
    state: ServerState = app_settings["ssp_state"]
    if state.pruned_at is None or now() - state.pruned_at > PRUNE_EVERY:
        state.log.prune(settings.access_log_retention_days)
        state.pruned_at = now()
    kernel_manager = app_settings["kernel_manager"]
    for kernel_id, session in state.owners.items():
        if kernel_id not in kernel_manager:
            state.owners.forget(kernel_id)  # closed by its tab or culled
            continue
        active = getattr(kernel_manager.get_kernel(kernel_id), "last_activity", None)
        if active is not None:
            state.sessions.touch(session, active.astimezone(UTC).replace(tzinfo=None))
    for session in state.sessions.live():
        reason = why_ended(state, session)
        if reason:
            await end_session(app_settings, session.id_hash, reason)
    live = {s.id_hash for s in state.sessions.live()}
    for kernel_id, session in state.owners.items():
        if session not in live:
            await shut_down(app_settings, kernel_id)
