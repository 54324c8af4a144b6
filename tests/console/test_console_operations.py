"""The console's operations over real HTTP against the live service (a browser adds nothing
here): the programme form round-trips every rules field and publishes at the chosen time,
exactly once; segments; CSV codes; adjustments and merges reach the feed; conflicts get a
recorded resolution; a database of the previous release upgrades to 0007."""

from __future__ import annotations

import csv
import io
import re
import threading
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser

import requests
from sqlalchemy import func, select, update

from pos_central import admin, migrations
from pos_central import models as cm
from pos_central.console import auth
from pos_central.console.programme import publish_due
from pos_central.console.tables import (
    ConflictResolution,
    ConsoleAudit,
    CouponBatch,
    IssuedCoupon,
    ProgrammeVersion,
)
from pos_central.db import Database, make_engine, utcnow
from tests.central.builders import make_coupon, make_member, sale_event, unique_phone
from tests.central.server_fixture import isolated_database
from tests.console.conftest import PASSWORDS


class Console:
    """A signed-in console user over plain HTTP."""

    def __init__(self, server, username: str) -> None:
        self.base = server.base_url
        self.http = requests.Session()
        answer = self.http.post(self.base + "/console/login", timeout=30, data={
            "username": username, "password": PASSWORDS[username]})
        assert answer.status_code == 200 and "/console/login" not in answer.url
        self.csrf = re.search(r'name="csrf_token" value="([^"]+)"', answer.text).group(1)

    def get(self, path: str) -> requests.Response:
        return self.http.get(self.base + path, timeout=30)

    def post(self, path: str, data, **kw) -> requests.Response:
        pairs = list(data.items()) if isinstance(data, dict) else list(data)
        return self.http.post(self.base + path, data=[*pairs, ("csrf_token", self.csrf)],
                              timeout=60, **kw)


class _FormReader(HTMLParser):
    """The name/value pairs a browser would submit for the form with the given id."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id, self.inside, self.pairs = form_id, False, []
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        elif self.inside and tag == "input" and a.get("name"):
            if a.get("type") == "checkbox" and "checked" not in a:
                return
            self.pairs.append((a["name"], a.get("value") or ("on" if a.get("type") ==
                                                             "checkbox" else "")))
        elif self.inside and tag == "textarea":
            self._textarea = a.get("name")
            self.pairs.append((self._textarea, ""))

    def handle_data(self, data):
        if self._textarea is not None:
            name, value = self.pairs.pop()
            self.pairs.append((name, value + data))

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self.inside = False


def form_pairs(html: str, form_id: str) -> list[tuple[str, str]]:
    reader = _FormReader(form_id)
    reader.feed(html)
    return reader.pairs


def _rules_versions(server) -> list[tuple[int, dict]]:
    with server.read() as s:
        return [(r.version, r.rules) for r in s.execute(
            select(cm.RulesVersion).order_by(cm.RulesVersion.version)).scalars()]


def test_the_programme_form_round_trips_every_rules_field(console_server):
    """Whatever sections the rules document has (other features add theirs), the form made
    from it submits the same document back."""
    server = console_server
    op = Console(server, "operator")
    pairs = [(k, v) for k, v in form_pairs(op.get("/console/programme").text, "programme-form")
             if k != "csrf_token"]
    assert any(k == "t.tiers.0.code" for k, _ in pairs)
    answer = op.post("/console/programme", pairs)
    assert "Published as rules version 2" in answer.text
    (_, v1), (_, v2) = _rules_versions(server)
    assert v2 == v1


def test_a_version_takes_effect_at_its_time_and_tills_get_it_exactly_once(console_server):
    server = console_server
    op = Console(server, "operator")
    till = server.enrol("Till 1")
    later = (datetime.now(UTC) + timedelta(hours=2)).astimezone(
        __import__("zoneinfo").ZoneInfo("Asia/Shanghai"))
    pairs = [(k, v) for k, v in form_pairs(op.get("/console/programme").text, "programme-form")
             if k not in ("csrf_token", "effective_at", "f.earn_unit")]
    answer = op.post("/console/programme", [*pairs, ("f.earn_unit", "5.00"),
                                            ("effective_at", later.strftime("%Y-%m-%dT%H:%M"))])
    assert f"Scheduled for {later:%Y-%m-%d %H:%M}" in answer.text
    feed = till.get("/v1/changes").json()
    assert [c["id"] for c in feed["changes"] if c["entity"] == "rules"] == ["1"]
    with server.write() as s:  # two hours pass
        s.execute(update(ProgrammeVersion).values(
            effective_at=utcnow() - timedelta(seconds=1)))
    feed = till.get("/v1/changes").json()  # the feed read publishes it first
    rules = [c for c in feed["changes"] if c["entity"] == "rules"]
    assert [c["id"] for c in rules] == ["1", "2"]
    assert rules[-1]["data"]["rules"]["earn_unit"] == "5.00"

    # Exactly once, however many workers try at the same moment.
    with server.write() as s:
        s.add(ProgrammeVersion(rules=rules[-1]["data"]["rules"], effective_at=utcnow(),
                               status="scheduled", note="", created_by="operator"))
    results: list[list[int]] = []

    def publish() -> None:
        db = Database(server.database_url)
        try:
            with db.write() as s:
                results.append(publish_due(s))
        finally:
            db.dispose()

    threads = [threading.Thread(target=publish) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(len(r) for r in results) == [0, 0, 0, 1]
    assert [v for v, _ in _rules_versions(server)] == [1, 2, 3]

    # Undo: version 1's rules restored as version 4, in force now, audited.
    answer = op.post("/console/programme/restore/1", {"note": "back to the defaults"})
    assert "Rules version 1 restored as version 4." in answer.text
    versions = _rules_versions(server)
    assert versions[-1] == (4, versions[0][1])
    with server.read() as s:
        (audit,) = s.execute(select(ConsoleAudit).where(
            ConsoleAudit.action == "programme.restore")).scalars().all()
        assert audit.before == {"earn_unit": "5.00"} and audit.after == {"earn_unit": "10.00"}


def _template(op: Console, code: str = "WB20", **extra) -> None:
    answer = op.post("/console/coupons/templates", {
        "code": code, "title": "回来吧立减20", "kind": "amount_off", "value": "20",
        "threshold": "100", "valid_days": "14", **extra})
    assert f"Template {code} created." in answer.text, answer.text[-2000:]


def test_segments_dormant_birthday_and_registration_window(console_server):
    server = console_server
    now = utcnow()
    ids = {}
    with server.write() as s:
        for label, last, registered, birthday in (
                ("active", now - timedelta(days=5), now - timedelta(days=400), date(1990, 3, 2)),
                ("d100", now - timedelta(days=100), now - timedelta(days=400), date(1985, 7, 9)),
                ("d200", now - timedelta(days=200), now - timedelta(days=400), None),
                ("never", None, now - timedelta(days=120), date(2000, 7, 30)),
                ("new", None, now - timedelta(days=3), None)):
            m = admin.create_member(s, phone=unique_phone(), name=label, birthday=birthday,
                                    last_purchase_at=last)
            m.registered_at = registered
            ids[m.id] = label
    op = Console(server, "operator")
    _template(op)

    def count(**seg) -> str:
        return op.post("/console/coupons/segment-count", seg).text

    assert "3 members: dormant 90+ days" in count(seg_dormant="90")
    assert "1 members: dormant 180+ days" in count(seg_dormant="180")
    assert "2 members: birthday in month 7" in count(seg_birthday_month="7")
    window_from = (now - timedelta(days=10)).astimezone(
        __import__("zoneinfo").ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%dT%H:%M")
    assert "1 members: registered" in count(seg_registered_from=window_from)
    assert "seg_birthday_month: a month 1..12" in count(seg_birthday_month="13")

    answer = op.post("/console/coupons/issue", {"template": "WB20", "target": "segment",
                                                "seg_dormant": "90"})
    assert "Issued 3 coupons" in answer.text
    with server.read() as s:
        owners = {ids[c.member_id] for c in s.execute(select(cm.Coupon).join(
            IssuedCoupon, IssuedCoupon.code == cm.Coupon.code)).scalars()}
        assert owners == {"d100", "d200", "never"}
        (batch,) = s.execute(select(CouponBatch)).scalars().all()
        assert batch.valid_to - batch.valid_from == timedelta(days=14)
        (audit,) = s.execute(select(ConsoleAudit).where(
            ConsoleAudit.action == "coupon.issue")).scalars().all()
        assert audit.after["issued"] == 3 and audit.after["segment"]["dormant_days"] == 90
    refused = op.post("/console/coupons/issue", {"template": "WB20", "target": "segment",
                                                 "seg_birthday_month": "2"})
    assert refused.status_code == 422 and "the segment has no members" in refused.text
    unknown = op.post("/console/coupons/issue", {"template": "WB20", "target": "member",
                                                 "member": "13000000000"})
    assert unknown.status_code == 422 and "no member with phone or card" in unknown.text
    with server.read() as s:
        active = next(x for x, label in ids.items() if label == "active")
        phone = s.get(cm.Member, active).phone
    one = op.post("/console/coupons/issue", {"template": "WB20", "target": "member",
                                             "member": phone})
    assert "Issued 1 coupons" in one.text
    with server.read() as s:
        assert s.execute(select(func.count()).select_from(cm.Coupon).where(
            cm.Coupon.member_id == active)).scalar_one() == 1


def test_codes_export_as_csv_and_their_redemption_shows(console_server):
    server = console_server
    op = Console(server, "operator")
    _template(op, "CODE5", value="5", threshold="0")
    assert "Issued 25 coupons" in op.post("/console/coupons/issue", {
        "template": "CODE5", "target": "codes", "count": "25"}).text
    with server.read() as s:
        batch_id = s.execute(select(CouponBatch.id)).scalar_one()
    answer = op.get(f"/console/coupons/batches/{batch_id}.csv")
    assert answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert len(rows) == 25 and len({r["code"] for r in rows}) == 25
    assert all(r["code"].startswith("CODE5-") and r["status"] == "available" for r in rows)
    till = server.enrol("Till 1")
    member = make_member(server)
    assert till.push([sale_event(till, member_id=member, total_fen=2300,
                                 coupons=[(rows[0]["code"], 500)])]).status_code == 200
    page = op.get("/console/coupons").text
    row = re.search(r'<tr data-template="CODE5">(.*?)</tr>', page, re.DOTALL).group(1)
    assert '<td class="num used">1</td>' in row and "4.0 %" in row and "¥5.00" in row
    again = list(csv.DictReader(io.StringIO(op.get(
        f"/console/coupons/batches/{batch_id}.csv").content.decode("utf-8-sig"))))
    assert [r["status"] for r in again if r["code"] == rows[0]["code"]] == ["used"]
    bad = op.post("/console/coupons/issue", {"template": "CODE5", "target": "codes",
                                             "count": "0"})
    assert bad.status_code == 422 and "between 1 and 50000" in bad.text
    cursor = till.get("/v1/changes").json()["next_cursor"]
    voided = op.post(f"/console/coupons/batches/{batch_id}/void", {"reason": "printed twice"})
    assert "Voided 24 unused coupons" in voided.text  # the used one stays used
    feed = till.get(f"/v1/changes?cursor={cursor}").json()["changes"]
    assert sorted(c["data"]["status"] for c in feed if c["entity"] == "coupon") == ["void"] * 24
    assert "Template CODE5 retired" in op.post("/console/coupons/templates/CODE5/retire",
                                               {}).text
    again = op.post("/console/coupons/issue", {"template": "CODE5", "target": "codes",
                                               "count": "1"})
    assert again.status_code == 422 and "choose a template" in again.text


def test_adjustments_and_merges_reach_the_feed_and_the_audit(console_server):
    server = console_server
    op = Console(server, "operator")
    till = server.enrol("Till 1")
    keep = make_member(server, points=100, growth=500, phone=unique_phone())
    other = make_member(server, points=40, growth=300, phone=unique_phone())
    coupon = make_coupon(server, member_id=other)
    cursor = till.get("/v1/changes").json()["next_cursor"]

    refused = op.post(f"/console/members/{keep}/adjust", {"points": "50", "reason": ""})
    assert refused.status_code == 422 and "say why" in refused.text
    answer = op.post(f"/console/members/{keep}/adjust",
                     {"points": "50", "growth": "2600", "reason": "complaint #88: goodwill"})
    assert answer.status_code == 200 and 'id="member-points">150<' in answer.text
    with server.read() as s:
        member = s.get(cm.Member, keep)
        assert (member.points, member.growth, member.tier) == (150, 3100, "silver")
        entry = s.execute(select(cm.PointsLedger).where(
            cm.PointsLedger.member_id == keep, cm.PointsLedger.kind == "adjust")
            .order_by(cm.PointsLedger.id.desc())).scalars().first()
        assert (entry.points, entry.growth) == (50, 2600)
        audit = s.execute(select(ConsoleAudit).where(
            ConsoleAudit.action == "member.adjust")).scalar_one()
        assert audit.before["points"] == 100 and audit.after["points"] == 150
        assert audit.reason == "complaint #88: goodwill" and audit.username == "operator"
    feed = till.get(f"/v1/changes?cursor={cursor}").json()["changes"]
    assert any(c["entity"] == "member" and c["id"] == keep
               and c["data"]["points"] == 150 for c in feed)

    with server.read() as s:
        other_phone = s.get(cm.Member, other).phone
    answer = op.post(f"/console/members/{keep}/merge", {"other": other_phone,
                                                        "reason": "same person, two phones"})
    assert answer.status_code == 200, answer.text[-1500:]
    with server.read() as s:
        member = s.get(cm.Member, keep)
        assert (member.points, member.growth) == (190, 3400)
        assert s.get(cm.Member, other).merged_into == keep
        assert s.get(cm.Coupon, coupon).member_id == keep
        lots = s.execute(select(func.sum(cm.PointLot.points)).where(
            cm.PointLot.member_id == keep)).scalar_one()
        assert lots == 190  # the balance is its lots
    looked_up = till.get(f"/v1/members/lookup?id={other}").json()
    assert looked_up["member"]["id"] == keep and looked_up["resolved_from"] == other


def test_a_conflict_is_resolved_with_a_recorded_resolution(console_server):
    server = console_server
    op = Console(server, "operator")
    a, b = server.enrol("Till A"), server.enrol("Till B")
    member = make_member(server)
    code = make_coupon(server, member_id=member)
    for till in (a, b):  # the same single-use coupon, used at two tills offline
        till.push([sale_event(till, member_id=member, coupons=[(code, 500)])])
    with server.read() as s:
        conflict = s.execute(select(cm.Conflict).where(cm.Conflict.coupon_code == code)
                             ).scalar_one()
    page = op.get("/console/stores").text
    assert f'data-conflict="{conflict.id}"' in page
    assert f"{conflict.kind} (1)" in page
    assert f'data-conflict="{conflict.id}"' not in op.get(
        "/console/stores?kind=points_overdrawn").text
    refused = op.post(f"/console/conflicts/{conflict.id}/resolve", {"resolution": ""})
    assert refused.status_code == 422 and "choose a resolution" in refused.text
    answer = op.post(f"/console/conflicts/{conflict.id}/resolve", {
        "resolution": "written_off", "note": "¥5, not worth chasing"})
    assert f"Conflict {conflict.id} resolved." in answer.text
    assert f'data-conflict="{conflict.id}"' not in answer.text  # open ones only by default
    with server.read() as s:
        assert s.get(cm.Conflict, conflict.id).resolved_at is not None
        resolution = s.get(ConflictResolution, conflict.id)
        assert (resolution.resolution, resolution.resolved_by) == ("written_off", "operator")
    again = op.post(f"/console/conflicts/{conflict.id}/resolve", {"resolution": "other",
                                                                   "note": "again?"})
    assert again.status_code == 422 and "resolved already" in again.text
    code_page = op.post("/console/stores/enrol-code", {"store": "S009", "hours": "2"}).text
    assert re.search(r'id="new-enrol-code">[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}<', code_page)


def test_admin_manages_staff_and_the_first_admin_comes_from_the_cli(tmp_path, capsys,
                                                                    monkeypatch):
    from pos_central.cli import main

    url = f"sqlite:///{tmp_path / 'c.db'}"
    assert main(["migrate", "--database-url", url]) == 0
    monkeypatch.setenv("POS_CONSOLE_PASSWORD", "first-admin-pw")
    assert main(["console-admin", "boss", "--database-url", url]) == 0
    assert main(["console-admin", "boss", "--database-url", url]) == 2  # exists
    monkeypatch.setenv("POS_CONSOLE_PASSWORD", "short")
    assert main(["console-admin", "other", "--database-url", url]) == 2
    err = capsys.readouterr().err
    assert "boss exists already" in err and "at least 10 characters" in err
    db = Database(url)
    with db.write() as s:
        _token, staff = auth.sign_in(s, "boss", "first-admin-pw")
        assert staff.role == "admin" and staff.password_hash.startswith("$argon2id$")
    db.dispose()


def test_a_database_of_the_previous_release_upgrades_to_the_console(central_database_kind,
                                                                   tmp_path):
    with isolated_database(central_database_kind, tmp_path) as url:
        engine = make_engine(url)
        try:
            migrations.upgrade(engine, "0006")
            db = Database(url)
            with db.write() as s:
                admin.bootstrap(s)
                admin.create_member(s, phone="13912345678", name="老会员", points=30)
            migrations.upgrade(engine)
            assert migrations.current_revision(engine) not in (None, "0006")
            with db.write() as s:
                auth.create_staff(s, "admin", "admin-password-1", "admin")
            with db.read() as s:
                assert s.execute(select(cm.Member.name)).scalar_one() == "老会员"
            migrations.downgrade(engine, "0006")
            with db.read() as s:
                assert s.execute(select(cm.Member.points)).scalar_one() == 30
            db.dispose()
        finally:
            engine.dispose()


def test_a_win_back_campaign_and_its_recall_rate_on_the_figures(console_server):
    server = console_server
    now = utcnow()
    ids = []
    with server.write() as s:
        for days in (100, 120, 20):
            member = admin.create_member(s, phone=unique_phone(), name=f"d{days}",
                                         last_purchase_at=now - timedelta(days=days))
            member.registered_at = now - timedelta(days=400)
            ids.append(member.id)
    op = Console(server, "operator")
    refused = op.post("/console/coupons/winback", {"wb_days": "30", "wb_value": "15"})
    assert refused.status_code == 422 and "90 or 180 days" in refused.text
    answer = op.post("/console/coupons/winback", {"wb_days": "90", "wb_value": "15",
                                                  "wb_name": "冬季召回", "wb_valid_days": "14"})
    assert "Win-back offer sent to 2 dormant members." in answer.text
    figures = op.get("/console/figures").text
    row = re.search(r'<table id="campaigns">.*?</table>', figures, re.DOTALL).group(0)
    assert "冬季召回" in row and "0.0 %" in row
    with server.read() as s:
        code = s.execute(select(cm.Coupon.code).where(cm.Coupon.member_id == ids[0])
                         ).scalar_one()
    till = server.enrol("Till 1")
    till.push([sale_event(till, member_id=ids[0], total_fen=5000, coupons=[(code, 1500)])])
    figures = op.get("/console/figures").text
    row = re.search(r'<table id="campaigns">.*?</table>', figures, re.DOTALL).group(0)
    cells = re.findall(r'<td class="num">([^<]*)</td>', row)
    assert cells == ["2", "1", "1", "¥50.00", "50.0 %"]  # members, back, used, spent, 召回率
    assert 'id="chart-recall"' in figures
    with server.read() as s:
        (audit,) = s.execute(select(ConsoleAudit).where(
            ConsoleAudit.action == "winback.issue")).scalars().all()
        assert audit.after["members"] == 2 and audit.username == "operator"


def test_a_recharge_rule_is_edited_in_its_table(console_server):
    """A section of the rules that is an object (stored value) gets its own inputs: its
    recharge rules are a table like the tiers."""
    server = console_server
    op = Console(server, "operator")
    html = op.get("/console/programme").text
    pairs = [(k, v) for k, v in form_pairs(html, "programme-form") if k != "csrf_token"]
    assert any(k == "o.stored_value" for k, _ in pairs)
    bonus = "t.stored_value.recharge_rules.0.bonus"
    assert any(k == bonus for k, _ in pairs)
    bad = op.post("/console/programme", [(k, "lots" if k == bonus else v) for k, v in pairs])
    assert bad.status_code == 422
    assert re.search(r'id="field-stored_value".*?class="field-error"', bad.text, re.DOTALL)
    ok = op.post("/console/programme", [(k, "45.00" if k == bonus else v) for k, v in pairs])
    assert "Published as rules version 2" in ok.text
    (_, v1), (_, v2) = _rules_versions(server)
    assert v2["stored_value"]["recharge_rules"][0]["bonus"] == "45.00"
    assert {k: v for k, v in v2.items() if k != "stored_value"} == {
        k: v for k, v in v1.items() if k != "stored_value"}
