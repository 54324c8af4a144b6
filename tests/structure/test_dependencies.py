"""The till's base install has every third-party package the till imports (issue 14, item 4).

Every ``import`` in ``pos_member`` (module level or inside a function) of a package that is
neither the standard library nor the project must be provided by a distribution named in
``[project] dependencies`` of pyproject.toml, directly or as one of its own requirements. An
import inside ``try: ... except ImportError`` is optional (a printer transport, a keyring
backend) and may be missing. ``pos_member`` must not import ``pos_central``'s stack at all.
Checked with ``ast`` and ``importlib.metadata``, so a new import without its dependency fails.
"""

from __future__ import annotations

import ast
import functools
import importlib.metadata as md
import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROJECT_PACKAGES = {"pos_member", "pos_central"}
# What only the central service (the ``central`` extra) may bring; the till never needs it.
CENTRAL_ONLY = {"fastapi", "uvicorn", "starlette", "psycopg"}


@dataclass(frozen=True)
class Use:
    top: str  # top-level package name as imported
    where: str  # file:line
    optional: bool  # guarded by ``except ImportError``
    lazy: bool  # inside a function: importing the module does not need it


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    names: list[str] = []
    t = handler.type
    if t is None:
        return True
    for node in t.elts if isinstance(t, ast.Tuple) else [t]:
        if isinstance(node, ast.Name):
            names.append(node.id)
        elif isinstance(node, ast.Attribute):
            names.append(node.attr)
    return bool({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"} & set(names))


def imports_of(path: Path, root: Path = ROOT) -> list[Use]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    guarded: set[int] = set()  # ids of import nodes inside a try that catches ImportError
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(_catches_import_error(h) for h in node.handlers):
            for stmt in node.body:
                for sub in ast.walk(stmt):
                    if isinstance(sub, (ast.Import, ast.ImportFrom)):
                        guarded.add(id(sub))
    lazy: set[int] = set()  # ids of import nodes inside a function body
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for sub in ast.walk(node):
                if isinstance(sub, (ast.Import, ast.ImportFrom)):
                    lazy.add(id(sub))
    rel = path.relative_to(root)
    out: list[Use] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            tops = [a.name.split(".")[0] for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            tops = [node.module.split(".")[0]]
        else:
            continue
        out += [Use(t, f"{rel}:{node.lineno}", id(node) in guarded, id(node) in lazy)
                for t in tops]
    return out


@functools.cache
def _all_imports(package: str = "pos_member") -> tuple[Use, ...]:
    uses: list[Use] = []
    for path in sorted((ROOT / package).rglob("*.py")):
        uses += imports_of(path)
    return tuple(uses)


def till_imports(package: str = "pos_member") -> list[Use]:
    return [u for u in _all_imports(package)
            if u.top not in sys.stdlib_module_names and u.top not in PROJECT_PACKAGES
            and u.top != "__future__"]


def _canon(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_name(spec: str) -> tuple[str, str | None]:
    """(distribution name, environment marker or None) of a requirement string."""
    spec, _, marker = spec.partition(";")
    m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", spec)
    assert m, spec
    return _canon(m.group(1)), (marker.strip() or None)


# Extras that are not features of the till: what tests, development and the central need.
NOT_FEATURE_EXTRAS = {"test", "dev", "central"}


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def base_dependencies() -> set[str]:
    return {_requirement_name(s)[0] for s in _project()["dependencies"]}


def feature_extras() -> dict[str, set[str]]:
    """The till's optional features (``pip install pos-member[camera]``): extra -> dists."""
    return {name: {_requirement_name(s)[0] for s in specs}
            for name, specs in _project().get("optional-dependencies", {}).items()
            if name not in NOT_FEATURE_EXTRAS}


def covered_distributions(roots: set[str] | None = None) -> set[str]:
    """The given distributions (default: the base dependencies) and, recursively, their own
    unconditional requirements."""
    todo, seen = list(base_dependencies() if roots is None else roots), set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            reqs = md.requires(name) or []
        except md.PackageNotFoundError:
            continue
        for r in reqs:
            dist, marker = _requirement_name(r)
            if marker is None or "extra" not in marker:
                todo.append(dist)
    return seen


@functools.cache
def _packages_distributions() -> dict[str, list[str]]:
    return md.packages_distributions()


def distributions_of(top: str) -> set[str]:
    return {_canon(d) for d in _packages_distributions().get(top, [])}


def test_pydantic_is_a_base_dependency():
    """sync/protocol.py (the wire models) is imported by the till's own sync engine."""
    assert "pydantic" in base_dependencies()


def test_every_required_third_party_import_is_covered_by_base_dependencies():
    """A module-level import needs a base dependency; an import inside a function (a feature
    that loads its library when used, such as the camera scanner's decoder) needs a base
    dependency or one of a feature extra; an ``except ImportError`` import needs nothing."""
    uses = till_imports()
    assert any(u.top == "PySide6" for u in uses), "the scan found nothing: wrong root?"
    covered = covered_distributions()
    in_extras = covered_distributions(set().union(*feature_extras().values()))
    missing = []
    for use in uses:
        if use.optional:
            continue
        dists = distributions_of(use.top)
        if not dists:
            missing.append(f"{use.where}: {use.top} (no installed distribution provides it)")
        elif not dists & covered and not (use.lazy and dists & in_extras):
            where = "a feature extra" if use.lazy else "[project] dependencies"
            missing.append(f"{use.where}: {use.top} (from {', '.join(sorted(dists))}) "
                           f"is not in {where}")
    assert not missing, "\n".join(missing)


def test_the_till_never_imports_the_central_stack():
    bad = [f"{u.where}: {u.top}" for u in till_imports() if u.top in CENTRAL_ONLY]
    assert not bad, bad


def test_the_till_never_imports_pos_central():
    assert not [u.where for u in _all_imports() if u.top == "pos_central"]


@pytest.mark.parametrize("source, optional", [
    ("import PySide6\n", False),
    ("try:\n    import usb.core\nexcept ImportError:\n    usb = None\n", True),
    ("def f():\n    from escpos import printer\n", False),
    ("class C:\n    def f(self):\n        import zxingcpp\n", False),
    ("try:\n    import x\nexcept ValueError:\n    pass\n", False),
])
def test_the_scanner_tells_required_from_optional(tmp_path, source, optional):
    p = tmp_path / "probe.py"
    p.write_text(source, encoding="utf-8")
    (use,) = imports_of(p, root=tmp_path)
    assert use.optional is optional
    assert use.lazy is ("def " in source)


def test_the_central_service_has_its_dependencies_in_base_and_the_central_extra():
    """``pip install pos-member[central]`` is enough to run pos_central (migrations included)."""
    extra = {_requirement_name(r)[0] for r in _project()["optional-dependencies"]["central"]}
    covered = covered_distributions(base_dependencies() | extra)
    uses = till_imports("pos_central")
    assert {"fastapi", "sqlalchemy"} <= {u.top for u in uses}, "the scan found nothing"
    missing = []
    for use in uses:
        if use.optional:
            continue
        dists = distributions_of(use.top)
        if not dists or not dists & covered:
            missing.append(f"{use.where}: {use.top} ({', '.join(sorted(dists)) or 'not installed'})")
    assert not missing, "not in [project] dependencies or the central extra:\n" + "\n".join(
        missing)

