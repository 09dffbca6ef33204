"""An httpx transport for webhooks: h11 over asyncio streams, keep-alive connections per origin.

Why not httpx's default transport: httpcore's pool and its anyio streams cost ~1.3 ms of CPU per
small POST on the machines we measure (three times the request itself), and webhooks are most of
what notify sends. h11 still does the HTTP/1.1 parsing; this only writes a request in one send,
keeps idle connections per origin and reads replies. The client above it (timeouts, exceptions,
headers, streaming) is still httpx, so the webhook provider cannot tell the difference.

What a connection pool must get right: at most `max_connections` requests in flight (waiting for
one counts against the pool timeout); an idle connection the server closed (asyncio reads EOF in
the background) or idle too long is dropped, not reused; a reply not read to its end closes its
connection. A reused connection that fails before any reply byte arrives is retried once on a
fresh one: the server may close an idle connection just as we write, and every webhook carries
an Idempotency-Key, so even a request that did arrive is recognised.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from collections.abc import AsyncIterator

import h11
import httpx

_READ = 64 * 1024


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.h11 = h11.Connection(h11.CLIENT)
        self.idle_since = time.monotonic()

    def usable(self, keepalive_seconds: float) -> bool:
        fresh = time.monotonic() - self.idle_since < keepalive_seconds
        return fresh and not self.reader.at_eof() and not self.writer.is_closing()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.close()


class _Stale(Exception):
    """A reused connection failed before the reply began: safe to send again on a new one."""


def _timeouts(request: httpx.Request) -> dict[str, float | None]:
    t: dict[str, float | None] = request.extensions.get("timeout", {})
    return t


class _Body(httpx.AsyncByteStream):
    def __init__(self, transport: LeanTransport, origin: tuple[str, str, int], conn: _Connection,
                 read_timeout: float | None, request: httpx.Request) -> None:
        self.transport, self.origin, self.conn = transport, origin, conn
        self.read_timeout, self.request = read_timeout, request
        self.done = False
        self.released = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while not self.done:
            event = await self.transport.next_event(self.conn, self.read_timeout, self.request)
            if isinstance(event, h11.Data):
                yield bytes(event.data)
            elif isinstance(event, h11.EndOfMessage):
                self.done = True

    async def aclose(self) -> None:
        if not self.released:
            self.released = True
            self.transport.release(self.origin, self.conn, reusable=self.done)


class LeanTransport(httpx.AsyncBaseTransport):
    def __init__(self, max_connections: int = 64, keepalive_connections: int = 8,
                 keepalive_seconds: float = 5.0, ssl_context: ssl.SSLContext | None = None) -> None:
        self.slots = asyncio.Semaphore(max_connections)
        self.keepalive_connections = keepalive_connections
        self.keepalive_seconds = keepalive_seconds
        self.ssl_context = ssl_context
        self.idle: dict[tuple[str, str, int], list[_Connection]] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme not in ("http", "https"):
            raise httpx.UnsupportedProtocol(f"unsupported scheme {url.scheme!r}", request=request)
        if not url.host:
            raise httpx.UnsupportedProtocol("no host in the URL", request=request)
        origin = (url.scheme, url.host, url.port or (443 if url.scheme == "https" else 80))
        timeouts = _timeouts(request)
        try:
            async with asyncio.timeout(timeouts.get("pool")):
                await self.slots.acquire()
        except TimeoutError:
            raise httpx.PoolTimeout("no connection free", request=request) from None
        try:
            body = await request.aread()
            conn = self._idle_connection(origin)
            if conn is not None:
                try:
                    return await self._exchange(origin, conn, request, body, reused=True)
                except _Stale:
                    pass
            conn = await self._connect(origin, timeouts.get("connect"), request)
            return await self._exchange(origin, conn, request, body, reused=False)
        except BaseException:
            self.slots.release()
            raise

    def _idle_connection(self, origin: tuple[str, str, int]) -> _Connection | None:
        idle = self.idle.get(origin)
        while idle:
            conn = idle.pop()
            if conn.usable(self.keepalive_seconds):
                return conn
            conn.close()
        return None

    async def _connect(self, origin: tuple[str, str, int], connect_seconds: float | None,
                       request: httpx.Request) -> _Connection:
        scheme, host, port = origin
        tls: ssl.SSLContext | None = None
        if scheme == "https":
            tls = self.ssl_context = self.ssl_context or ssl.create_default_context()
        try:
            async with asyncio.timeout(connect_seconds):
                reader, writer = await asyncio.open_connection(
                    host, port, ssl=tls, server_hostname=host if tls else None, limit=_READ)
        except TimeoutError:
            raise httpx.ConnectTimeout("connect timed out", request=request) from None
        except OSError as exc:
            raise httpx.ConnectError(str(exc) or type(exc).__name__, request=request) from exc
        return _Connection(reader, writer)

    async def _exchange(self, origin: tuple[str, str, int], conn: _Connection, request: httpx.Request,
                        body: bytes, reused: bool) -> httpx.Response:
        url = request.url
        headers = [(k, v) for k, v in request.headers.raw if k.lower() not in (b"content-length",
                                                                              b"transfer-encoding")]
        headers.append((b"Content-Length", str(len(body)).encode()))
        timeouts = _timeouts(request)
        try:
            # The whole request in one send: one wake-up of the receiver, not one for the headers
            # and another for the body.
            conn.writer.write(
                conn.h11.send(h11.Request(method=request.method, target=url.raw_path, headers=headers))
                + conn.h11.send(h11.Data(data=body)) + conn.h11.send(h11.EndOfMessage())
            )
            try:
                async with asyncio.timeout(timeouts.get("write")):
                    await conn.writer.drain()
            except TimeoutError:
                raise httpx.WriteTimeout("write timed out", request=request) from None
            except OSError as exc:
                if reused:
                    raise _Stale from exc
                raise httpx.WriteError(str(exc) or type(exc).__name__, request=request) from exc
            event = await self.next_event(conn, timeouts.get("read"), request, first=reused)
        except h11.LocalProtocolError as exc:
            conn.close()
            raise httpx.LocalProtocolError(str(exc), request=request) from exc
        except BaseException:
            conn.close()
            raise
        if not isinstance(event, h11.Response):
            conn.close()
            raise httpx.RemoteProtocolError("no response", request=request)
        return httpx.Response(
            event.status_code, headers=list(event.headers), request=request,
            stream=_Body(self, origin, conn, timeouts.get("read"), request),
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": event.reason},
        )

    async def next_event(self, conn: _Connection, read_seconds: float | None, request: httpx.Request,
                         first: bool = False) -> object:
        while True:
            try:
                event = conn.h11.next_event()
            except h11.RemoteProtocolError as exc:
                conn.close()
                raise httpx.RemoteProtocolError(str(exc), request=request) from exc
            if event is not h11.NEED_DATA:
                if isinstance(event, h11.InformationalResponse):
                    continue  # 100 Continue and the like: the real answer follows
                return event
            try:
                async with asyncio.timeout(read_seconds):
                    data = await conn.reader.read(_READ)
            except TimeoutError:
                conn.close()
                raise httpx.ReadTimeout("read timed out", request=request) from None
            except OSError as exc:
                conn.close()
                if first:
                    raise _Stale from exc
                raise httpx.ReadError(str(exc) or type(exc).__name__, request=request) from exc
            if not data and first:
                conn.close()
                raise _Stale
            first = False
            conn.h11.receive_data(data)

    def release(self, origin: tuple[str, str, int], conn: _Connection, reusable: bool) -> None:
        self.slots.release()
        h = conn.h11
        if reusable and h.our_state is h11.DONE and h.their_state is h11.DONE:
            h.start_next_cycle()
            idle = self.idle.setdefault(origin, [])
            if len(idle) < self.keepalive_connections:
                conn.idle_since = time.monotonic()
                idle.append(conn)
                return
        conn.close()

    async def aclose(self) -> None:
        for idle in self.idle.values():
            for conn in idle:
                conn.close()
        self.idle.clear()
