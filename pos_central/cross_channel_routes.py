"""HTTP routes of the cross-channel features (docs/sync-api.md, "Cross-channel"): group-buy
vouchers verified through the platforms, and order-number activation. Installed by
``pos_central.app.create_app``.

The voucher calls talk to a platform over the network: they are plain ``def`` routes, run in
FastAPI's thread pool, so a slow platform never blocks the event loop.
"""

from typing import Any

from fastapi import FastAPI

from pos_central import activation, vouchers
from pos_central.db import Database
from pos_member.sync import protocol as p
from pos_member.sync import protocol_cross_channel as pc

_ERRORS = {code: {"model": p.ErrorResponse} for code in (401, 404, 409, 422, 503)}


def install(app: FastAPI, db: Database, terminal: Any) -> None:
    v1 = p.API_PREFIX

    @app.post(f"{v1}/vouchers/prepare", response_model=pc.VoucherData, responses=_ERRORS,
              tags=["vouchers"])
    def prepare_voucher(request: pc.VoucherPrepareRequest,
                        terminal_id: terminal) -> pc.VoucherData:
        """What a 美团/抖音 voucher code covers, asked of the platform without using it."""
        return vouchers.prepare(db, terminal_id, request, app.state.platform_adapters)

    @app.post(f"{v1}/vouchers/verify", response_model=pc.VoucherData, responses=_ERRORS,
              tags=["vouchers"])
    def verify_voucher(request: pc.VoucherVerifyRequest,
                       terminal_id: terminal) -> pc.VoucherData:
        """Use the voucher prepared under ``key`` (idempotent: the same key, the same use)."""
        return vouchers.verify(db, terminal_id, request, app.state.platform_adapters)

    @app.post(f"{v1}/vouchers/cancel", response_model=pc.VoucherData, responses=_ERRORS,
              tags=["vouchers"])
    def cancel_voucher(request: pc.VoucherCancelRequest,
                       terminal_id: terminal) -> pc.VoucherData:
        """Undo a verification for a refund; ``cancel_result`` says if it could not be."""
        return vouchers.cancel(db, terminal_id, request, app.state.platform_adapters)

    @app.post(f"{v1}/activations", response_model=pc.ActivationResponse, responses=_ERRORS,
              status_code=201, tags=["members"])
    def activate(request: pc.ActivationRequest, terminal_id: terminal) -> pc.ActivationResponse:
        """Join or link a membership with an online-store order number (once per order)."""
        return activation.activate(db, terminal_id, request)
