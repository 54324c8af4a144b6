"""The simulated 美团/抖音 platform in its own process on 127.0.0.1, for tests
(``python -m pos_central.platforms.simulator --port 0``), with its control API wrapped."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from pos_central.platforms.adapter import URL_ENV


class Simulator:
    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pos_central.platforms.simulator", "--port", "0", *args],
            stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline().strip()
        if not line.startswith("listening on "):
            self.process.kill()
            raise RuntimeError(f"the simulator did not start: {line!r}")
        self.url = line.removeprefix("listening on ")
        self.http = requests.Session()
        self.http.trust_env = False

    def voucher(self, platform: str, value_fen: int = 8800, paid_fen: int | None = None,
                title: str = "双人套餐", expires_in: float = 86400, code: str | None = None) -> str:
        code = code or f"{platform[:2].upper()}{uuid.uuid4().hex[:10].upper()}"
        r = self.http.post(f"{self.url}/_sim/vouchers", timeout=10, json={
            "platform": platform, "code": code, "title": title, "value_fen": value_fen,
            "paid_fen": value_fen if paid_fen is None else paid_fen, "expires_in": expires_in})
        r.raise_for_status()
        return code

    def state(self, code: str) -> dict[str, Any]:
        r = self.http.get(f"{self.url}/_sim/vouchers/{code}", timeout=10)
        r.raise_for_status()
        return r.json()

    def faults(self, **faults: Any) -> None:
        self.http.post(f"{self.url}/_sim/faults", json=faults, timeout=10).raise_for_status()

    def advance(self, seconds: float) -> None:
        self.http.post(f"{self.url}/_sim/clock", json={"advance": seconds},
                       timeout=10).raise_for_status()

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.process.stdout.close()


@pytest.fixture(scope="session")
def platform_simulator() -> Iterator[Simulator]:
    sim = Simulator()
    try:
        yield sim
    finally:
        sim.close()


@pytest.fixture
def platform(platform_simulator: Simulator, monkeypatch: pytest.MonkeyPatch) -> Simulator:
    """The simulator, configured as the central service's platform for this test."""
    monkeypatch.setenv(URL_ENV, platform_simulator.url)
    platform_simulator.faults(drop_after_verify=0, down=False)
    return platform_simulator
