"""Caller authentication on a tiny app: 401 without or with a bad token, 403 without the scope.

Every error has the one body shape {"error": {"code", "message", "details"}}.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

import httpx
import pytest
from fastapi import Depends, FastAPI

from shared.http.auth import Caller, CallerRegistry, require
from shared.http.errors import ApiError, install_error_handlers
from shared.settings import CallerConfig, token_hash

TOKEN = "tok-" + "x" * 40
READER = CallerConfig(name="reader", token_sha256=token_hash(TOKEN), scopes=["things:read"])
ADMIN = CallerConfig(name="admin", token_sha256=token_hash("admin-" + "y" * 40), scopes=["*"])


def tiny_app() -> FastAPI:
    app = FastAPI()
    app.state.callers = CallerRegistry([READER, ADMIN])
    install_error_handlers(app)

    @app.get("/things")
    async def read(caller: Annotated[Caller, Depends(require("things:read"))]) -> dict[str, str]:
        return {"caller": caller.name}

    @app.post("/things")
    async def write(caller: Annotated[Caller, Depends(require("things:write"))]) -> dict[str, str]:
        return {"caller": caller.name}

    @app.get("/boom")
    async def boom() -> None:
        raise ApiError(409, "conflict", "already there", details=[{"field": "x", "code": "dup"}])

    @app.get("/typed/{n}")
    async def typed(n: int) -> dict[str, int]:
        return {"n": n}

    return app


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=tiny_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


def assert_error(r: httpx.Response, status: int, code: str) -> dict[str, object]:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert isinstance(body["error"]["details"], list)
    error: dict[str, object] = body["error"]
    return error


async def test_missing_token_is_401(client: httpx.AsyncClient) -> None:
    r = await client.get("/things")
    assert_error(r, 401, "unauthenticated")
    assert r.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("header", ["Bearer ", "Basic " + TOKEN, TOKEN, "Bearer    "])
async def test_malformed_authorization_is_401(client: httpx.AsyncClient, header: str) -> None:
    assert_error(await client.get("/things", headers={"Authorization": header}), 401, "unauthenticated")


async def test_unknown_token_is_401(client: httpx.AsyncClient) -> None:
    r = await client.get("/things", headers={"Authorization": "Bearer not-a-known-token"})
    assert_error(r, 401, "invalid_credentials")
    assert r.headers["www-authenticate"] == "Bearer"


async def test_missing_scope_is_403(client: httpx.AsyncClient) -> None:
    r = await client.post("/things", headers={"Authorization": f"Bearer {TOKEN}"})
    err = assert_error(r, 403, "forbidden")
    assert "things:write" in str(err["message"])


async def test_right_scope_and_wildcard_pass(client: httpx.AsyncClient) -> None:
    r = await client.get("/things", headers={"Authorization": f"bearer {TOKEN}"})
    assert r.status_code == 200 and r.json() == {"caller": "reader"}
    r = await client.post("/things", headers={"Authorization": "Bearer admin-" + "y" * 40})
    assert r.status_code == 200 and r.json() == {"caller": "admin"}


async def test_other_errors_share_the_body_shape(client: httpx.AsyncClient) -> None:
    err = assert_error(await client.get("/boom"), 409, "conflict")
    assert err["details"] == [{"field": "x", "code": "dup"}]
    assert_error(await client.get("/nowhere"), 404, "not_found")
    assert_error(await client.delete("/boom"), 405, "method_not_allowed")
    err = assert_error(await client.get("/typed/abc"), 422, "validation_failed")
    assert err["details"][0]["field"] == "path.n"  # type: ignore[index]
