"""Caller authentication: every route but the health checks names the calling system and its scopes.

A caller presents `Authorization: Bearer <token>`. Only the SHA-256 of each token is configured,
so a leaked settings file does not leak credentials. Tokens are long random strings, which is why
a plain hash (not a password KDF) is enough.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from fastapi import Request

from shared.http.errors import ApiError
from shared.settings import CallerConfig, token_hash


@dataclass(frozen=True)
class Caller:
    name: str
    scopes: frozenset[str]
    config: CallerConfig

    def may(self, scope: str) -> bool:
        return "*" in self.scopes or scope in self.scopes


class CallerRegistry:
    def __init__(self, callers: list[CallerConfig]) -> None:
        self._callers = callers

    def identify(self, token: str) -> Caller | None:
        digest = token_hash(token)
        for cfg in self._callers:
            if hmac.compare_digest(cfg.token_sha256, digest):
                return Caller(cfg.name, frozenset(cfg.scopes), cfg)
        return None


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def authenticate(registry: CallerRegistry, token: str | None) -> Caller:
    if not token:
        raise ApiError(
            401, "unauthenticated", "a bearer token naming the calling system is required",
            headers={"WWW-Authenticate": "Bearer"},
        )
    caller = registry.identify(token)
    if caller is None:
        raise ApiError(401, "invalid_credentials", "the token is not recognised",
                       headers={"WWW-Authenticate": "Bearer"})
    return caller


def require(scope: str) -> Callable[[Request], Coroutine[Any, Any, Caller]]:
    """A FastAPI dependency: the authenticated caller, who must hold `scope`."""

    async def dependency(request: Request) -> Caller:
        registry: CallerRegistry = request.app.state.callers
        caller = authenticate(registry, bearer_token(request))
        if not caller.may(scope):
            raise ApiError(403, "forbidden", f"caller {caller.name!r} lacks scope {scope!r}")
        request.state.caller = caller
        return caller

    return dependency
