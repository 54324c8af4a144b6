"""Translation workflow for the cashier application (run from the repository root):

    .venv/bin/python resources/translations/tool.py update    # lupdate: add new source strings
    .venv/bin/python resources/translations/tool.py fill FILE.json  # put translations in the .ts
    .venv/bin/python resources/translations/tool.py release   # lrelease: compile the .qm
    .venv/bin/python resources/translations/tool.py check     # list strings without Chinese
    .venv/bin/python resources/translations/tool.py add FILE.json   # add/replace entries, release

``add`` takes {"Context|source": translation} and puts each entry in its context (creating the
message or the context when missing), then compiles the .qm. It holds a lock on the .ts while it
works, so several people (or agents) adding strings at once do not overwrite each other.

``update`` scans pos_member/ui/**/*.py with pyside6-lupdate, keeps existing translations and
drops obsolete ones. Translate the new entries with Qt Linguist (pyside6-linguist) or by hand
in the .ts (remove ``type="unfinished"``), or give a JSON object {source: translation}
(or {"Context|source": translation}) to ``fill``. Then ``release``. Commit the .ts and the .qm.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TS = ROOT / "resources" / "translations" / "pos_member_zh_CN.ts"
QM = TS.with_suffix(".qm")
SOURCES = ROOT / "pos_member" / "ui"


def _tool(name: str) -> str:
    here = Path(sys.executable).parent / name
    if here.exists():
        return str(here)
    found = shutil.which(name)
    if not found:
        raise SystemExit(f"{name} not found (it comes with PySide6-Essentials)")
    return found


def sources() -> list[str]:
    return sorted(str(p.relative_to(ROOT)) for p in SOURCES.rglob("*.py"))


def update(ts: Path = TS) -> None:
    """lupdate, then put back what lupdate cannot see (strings translated through a variable,
    e.g. the ``Actions`` context filled from a table): no translated entry is ever dropped."""
    before = [(c, s, t) for c, s, t in messages(ts) if t]
    subprocess.run([_tool("pyside6-lupdate"), "-no-obsolete", "-locations", "none",
                    "-target-language", "zh_CN", *sources(), "-ts", str(ts)],
                   cwd=ROOT, check=True)
    after = {(c, s) for c, s, _ in messages(ts)}
    lost = {f"{c}|{s}": t for c, s, t in before if (c, s) not in after}
    if lost:
        _add_entries(lost, ts)


def release(ts: Path = TS, qm: Path = QM) -> None:
    subprocess.run([_tool("pyside6-lrelease"), str(ts), "-qm", str(qm)], cwd=ROOT, check=True)


def messages(ts: Path = TS):
    """(context, source, translation or None when unfinished/empty) for every message."""
    tree = ET.parse(ts)
    for ctx in tree.getroot().iter("context"):
        name = ctx.findtext("name")
        for msg in ctx.iter("message"):
            tr = msg.find("translation")
            forms = [f.text or "" for f in tr.iter("numerusform")] if tr is not None else []
            text = (tr.text or "") if tr is not None else ""
            done = tr is not None and tr.get("type") not in ("unfinished", "obsolete",
                                                             "vanished")
            value = (forms[0] if forms else text) if done else None
            yield name, msg.findtext("source"), (value or None)


def fill(mapping_file: Path, ts: Path = TS) -> int:
    mapping = json.loads(Path(mapping_file).read_text(encoding="utf-8"))
    tree = ET.parse(ts)
    n = 0
    for ctx in tree.getroot().iter("context"):
        name = ctx.findtext("name")
        for msg in ctx.iter("message"):
            src = msg.findtext("source")
            value = mapping.get(f"{name}|{src}", mapping.get(src))
            if value is None:
                continue
            tr = msg.find("translation")
            if tr is None:
                tr = ET.SubElement(msg, "translation")
            tr.attrib.pop("type", None)
            forms = list(tr.iter("numerusform"))
            if forms:
                for f in forms:
                    f.text = value
            else:
                tr.text = value
            n += 1
    ET.indent(tree, "    ")
    body = ET.tostring(tree.getroot(), encoding="unicode")
    ts.write_text('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n' + body + "\n",
                  encoding="utf-8")
    return n


def _write(tree: ET.ElementTree, ts: Path) -> None:
    ET.indent(tree, "    ")
    body = ET.tostring(tree.getroot(), encoding="unicode")
    tmp = ts.with_suffix(".ts.tmp")
    tmp.write_text('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n' + body + "\n",
                   encoding="utf-8")
    tmp.replace(ts)


def _add_entries(mapping: dict[str, str], ts: Path = TS) -> int:
    tree = ET.parse(ts)
    root = tree.getroot()
    contexts = {ctx.findtext("name"): ctx for ctx in root.iter("context")}
    n = 0
    for key, value in mapping.items():
        if "|" not in key:
            raise SystemExit(f"add needs 'Context|source' keys, got {key!r}")
        name, src = key.split("|", 1)
        ctx = contexts.get(name)
        if ctx is None:
            ctx = ET.SubElement(root, "context")
            ET.SubElement(ctx, "name").text = name
            contexts[name] = ctx
        msg = next((m for m in ctx.iter("message") if m.findtext("source") == src), None)
        if msg is None:
            msg = ET.SubElement(ctx, "message")
            ET.SubElement(msg, "source").text = src
        tr = msg.find("translation")
        if tr is None:
            tr = ET.SubElement(msg, "translation")
        tr.attrib.pop("type", None)
        forms = list(tr.iter("numerusform"))
        if forms:
            for f in forms:
                f.text = value
        else:
            tr.text = value
        n += 1
    _write(tree, ts)
    return n


def add(mapping_file: Path, ts: Path = TS) -> int:
    import fcntl

    mapping = json.loads(Path(mapping_file).read_text(encoding="utf-8"))
    with open(ts.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        n = _add_entries(mapping, ts)
        release(ts)
    return n


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    cmd = argv[0]
    if cmd == "update":
        update()
    elif cmd == "release":
        release()
    elif cmd == "add":
        print(f"{add(Path(argv[1]))} translations added or replaced; .qm compiled")
    elif cmd == "fill":
        print(f"{fill(Path(argv[1]))} translations written")
    elif cmd == "check":
        missing = [(c, s) for c, s, t in messages() if not t]
        for c, s in missing:
            print(f"{c}: {s}")
        print(f"{len(missing)} without a translation")
        return 1 if missing else 0
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
