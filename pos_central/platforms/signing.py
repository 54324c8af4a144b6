"""Request signing as the platforms do it (a digest over the sorted parameters with the app
secret), shared by the adapters and the simulator that checks it."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def _flat(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return str(value)


def sign(params: dict[str, Any], secret: str) -> str:
    """美团-style: md5(secret + k1v1k2v2... + secret) over the sorted keys but ``sign``."""
    text = "".join(f"{k}{_flat(params[k])}" for k in sorted(params) if k != "sign")
    return hashlib.md5(f"{secret}{text}{secret}".encode()).hexdigest()
