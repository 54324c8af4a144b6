"""The audit log (everyone may read it) and staff accounts (admins only)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import delete, select

from pos_central.console import auth
from pos_central.console.auth import Staff
from pos_central.console.tables import ConsoleAudit, ConsoleSession, ConsoleStaff
from pos_central.console.web import PREFIX, Form, action, audit, db_of, forbidden, page, render


def _staff_page(request: Request, staff: Staff, error: str = "", status: int = 200):
    with db_of(request).read() as s:
        people = s.execute(select(ConsoleStaff).order_by(ConsoleStaff.username)).scalars().all()
    return render(request, "staff.html", staff, status=status, title="Staff", people=people,
                  error=error)


def register(router: APIRouter) -> None:
    @router.get("/audit")
    @page
    def audit_page(request: Request, staff: Staff):
        with db_of(request).read() as s:
            rows = s.execute(select(ConsoleAudit).order_by(ConsoleAudit.id.desc()).limit(500)
                             ).scalars().all()
        return render(request, "audit.html", staff, title="Audit", rows=rows)

    @router.get("/staff")
    @page
    def staff_page(request: Request, staff: Staff):
        if not staff.is_admin:
            return forbidden(request, staff, "Only an admin manages staff accounts.")
        return _staff_page(request, staff)

    def create(request: Request, staff: Staff, form: Form):
        try:
            with db_of(request).write() as s:
                row = auth.create_staff(s, form.get("username"), form.raw("password"),
                                        form.get("role"), form.get("display_name"))
                audit(s, staff, "staff.create", row.username, None,
                      {"username": row.username, "role": row.role})
        except auth.ConsoleAuthError as exc:
            return _staff_page(request, staff, str(exc), 422)
        return RedirectResponse(f"{PREFIX}/staff?flash=Account created.", status_code=303)

    def toggle(request: Request, staff: Staff, form: Form, staff_id: str):
        with db_of(request).write() as s:
            row = s.get(ConsoleStaff, int(staff_id)) if staff_id.isdigit() else None
            if row is None or row.id == staff.id:
                return _staff_page(request, staff, "No such account (or your own).", 422)
            row.active = not row.active
            if not row.active:
                s.execute(delete(ConsoleSession).where(ConsoleSession.staff_id == row.id))
            audit(s, staff, "staff.active", row.username, {"active": not row.active},
                  {"active": row.active})
        return RedirectResponse(f"{PREFIX}/staff", status_code=303)

    router.post("/staff")(action(create, admin_only=True))
    router.post("/staff/{staff_id}/active")(action(toggle, admin_only=True))
