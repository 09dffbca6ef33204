"""The domain's refusals as HTTP: 409 for the state (with the reason), 403, 404, 422."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from services.ledger.domain.errors import Conflict, Forbidden, IllegalTransition, Invalid, LedgerError
from services.ledger.service_layer.store import NotFound
from shared.http.errors import error_body


def status_of(err: LedgerError) -> int:
    if isinstance(err, NotFound):
        return 404
    if isinstance(err, Forbidden):
        return 403
    if isinstance(err, Invalid):
        return 422
    if isinstance(err, Conflict):
        return 409
    return 422


def install_ledger_errors(app: FastAPI) -> None:
    @app.exception_handler(LedgerError)
    async def _ledger_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, LedgerError)
        details = []
        if isinstance(exc, IllegalTransition):
            details = [{"field": "status", "code": exc.status, "message": exc.command}]
        return JSONResponse(error_body(exc.code, exc.reason, details), status_code=status_of(exc))
