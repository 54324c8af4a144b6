"""Stores and tills: enrolment codes, each till's last sync, the events it sent, the events
the service refused (what the till parks), and conflicts to resolve with a resolution.

What the service cannot see: events still waiting on a till (not pushed yet). It shows the
till's last push and the highest sequence number received; a till silent for long is marked.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import func, select

from pos_central import models as m
from pos_central.auth import new_enrol_code
from pos_central.console.auth import Staff
from pos_central.console.tables import ConflictResolution
from pos_central.console.web import PREFIX, FieldError, Form, action, audit, db_of, page, render
from pos_central.db import utcnow
from pos_member.sync import protocol as p

RESOLUTIONS = {
    "accepted": "Accepted as recorded (no action)",
    "compensated": "Compensated the member",
    "charged_back": "Recovered from the member / store",
    "written_off": "Written off",
    "duplicate": "Duplicate of another conflict",
    "other": "Other (see note)",
}
SILENT_AFTER = timedelta(hours=24)


def _page(request: Request, staff: Staff, errors=None, status: int = 200, new_code=None):
    show = request.query_params.get("conflicts", "open")
    with db_of(request).read() as s:
        terminals = s.execute(select(m.Terminal).order_by(m.Terminal.store_id, m.Terminal.name)
                              ).scalars().all()
        counts = dict(s.execute(select(m.EventRow.terminal_id, func.count())
                                .group_by(m.EventRow.terminal_id)).all())
        rejected = dict(s.execute(select(m.EventRow.terminal_id, func.count())
                                  .where(m.EventRow.status == p.EventStatus.REJECTED.value)
                                  .group_by(m.EventRow.terminal_id)).all())
        open_conflicts = dict(s.execute(select(m.Conflict.terminal_id, func.count())
                                        .where(m.Conflict.resolved_at.is_(None))
                                        .group_by(m.Conflict.terminal_id)).all())
        kind = request.query_params.get("kind", "")
        q = select(m.Conflict).order_by(m.Conflict.id.desc()).limit(200)
        if show == "open":
            q = q.where(m.Conflict.resolved_at.is_(None))
        if kind:
            q = q.where(m.Conflict.kind == kind)
        by_kind = s.execute(select(m.Conflict.kind, func.count()).where(
            m.Conflict.resolved_at.is_(None)).group_by(m.Conflict.kind)
            .order_by(func.count().desc())).all()
        conflicts = s.execute(q).scalars().all()
        resolutions = {r.conflict_id: r for r in s.execute(select(ConflictResolution).where(
            ConflictResolution.conflict_id.in_([c.id for c in conflicts]))).scalars()}
        parked = s.execute(select(m.EventRow).where(
            m.EventRow.status == p.EventStatus.REJECTED.value)
            .order_by(m.EventRow.received_at.desc()).limit(100)).scalars().all()
        codes = s.execute(select(m.EnrolCode).where(m.EnrolCode.used_at.is_(None),
                                                    m.EnrolCode.expires_at > utcnow())
                          .order_by(m.EnrolCode.expires_at)).scalars().all()
    names = {t.id: f"{t.store_id} · {t.name}" for t in terminals}
    return render(request, "stores.html", staff, status=status, title="Stores & tills",
                  terminals=terminals, counts=counts, rejected=rejected,
                  open_conflicts=open_conflicts, conflicts=conflicts, resolutions=resolutions,
                  parked=parked, names=names, codes=codes, errors=errors or {},
                  new_code=new_code, show=show, RESOLUTIONS=RESOLUTIONS, kind=kind,
                  by_kind=by_kind,
                  silent_before=utcnow() - SILENT_AFTER)


def register(router: APIRouter) -> None:
    @router.get("/stores")
    @page
    def stores_page(request: Request, staff: Staff):
        return _page(request, staff)

    @router.post("/stores/enrol-code")
    @action
    def enrol_code(request: Request, staff: Staff, form: Form):
        store = form.get("store").upper()
        try:
            if not store or len(store) > 64 or not all(c.isalnum() or c in "-_" for c in store):
                raise FieldError("store", "a store code such as S001")
            try:
                hours = float(form.get("hours") or "24")
            except ValueError:
                raise FieldError("hours", "hours, e.g. 24") from None
            if not 0.1 <= hours <= 24 * 14:
                raise FieldError("hours", "between 0.1 and 336 hours")
        except FieldError as exc:
            return _page(request, staff, {exc.field: exc.message}, 422)
        db = db_of(request)
        code = new_enrol_code(db, store_id=store, ttl=timedelta(hours=hours))
        with db.write() as s:
            audit(s, staff, "enrol_code.create", f"store {store}", None,
                  {"store": store, "hours": hours})  # the code itself is shown once, not kept
        return _page(request, staff, new_code={"code": code, "store": store, "hours": hours})

    @router.post("/conflicts/{conflict_id}/resolve")
    @action
    def resolve_conflict(request: Request, staff: Staff, form: Form, conflict_id: str):
        resolution, note = form.get("resolution"), form.get("note")
        try:
            if resolution not in RESOLUTIONS:
                raise FieldError(f"resolution-{conflict_id}", "choose a resolution")
            if resolution == "other" and len(note) < 4:
                raise FieldError(f"resolution-{conflict_id}", "say what was done in the note")
            with db_of(request).write() as s:
                conflict = s.get(m.Conflict, int(conflict_id)) if conflict_id.isdigit() else None
                if conflict is None:
                    raise FieldError(f"resolution-{conflict_id}", "no such conflict")
                if conflict.resolved_at is not None:
                    raise FieldError(f"resolution-{conflict_id}", "resolved already")
                now = utcnow()
                conflict.resolved_at = now
                s.add(ConflictResolution(conflict_id=conflict.id, resolution=resolution,
                                         note=note, resolved_by=staff.username,
                                         resolved_at=now))
                audit(s, staff, "conflict.resolve", f"conflict {conflict.id} ({conflict.kind})",
                      {"resolved_at": None}, {"resolution": resolution, "note": note}, note)
        except FieldError as exc:
            return _page(request, staff, {exc.field: exc.message}, 422)
        return RedirectResponse(f"{PREFIX}/stores?flash=Conflict {conflict_id} resolved.",
                                status_code=303)
