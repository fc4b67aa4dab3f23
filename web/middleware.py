"""ASGI middleware: request body limits and security headers."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("govqa.web")


class BodyLimit:
    """Answer 413 (JSON) when a request body under ``prefixes`` exceeds ``limit`` bytes.

    Checks ``Content-Length`` up front and counts streamed bytes too, so a
    chunked upload cannot slip past the limit.
    """

    def __init__(self, app: ASGIApp, limit: int, prefixes: tuple[str, ...], message: str):
        self.app, self.limit, self.prefixes, self.message = app, limit, prefixes, message

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefixes):
            await self.app(scope, receive, send)
            return
        length = Headers(scope=scope).get("content-length", "")
        if length.isdigit() and int(length) > self.limit:
            await self._reject(send)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise BodyTooLarge()
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await self._reject(send)

    async def _reject(self, send: Send) -> None:
        await send_error(send, 413, self.message, {b"connection": b"close"})


class BodyTooLarge(Exception):
    """Raised by ``BodyLimit``'s receive once the body passes the limit; the middleware answers 413.

    An endpoint that catches errors of its own while reading the body must let this one through.
    """


class SecurityHeaders:
    """Adds headers per response: ``headers_for(path, content_type)`` → extra headers."""

    def __init__(self, app: ASGIApp, headers_for: Callable[[str, str], dict[str, str]]):
        self.app, self.headers_for = app, headers_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers_for(path, headers.get("content-type", "")).items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


class Admission:
    """Back-pressure for the question endpoints: ``workers`` requests run at once, ``queue`` more may wait.

    A request is counted only once its body has arrived: the body is read first, within
    ``body_timeout`` seconds (else ``408`` and the connection is closed), so a client that sends
    headers and then nothing costs a connection, never a worker or a place in the queue. A request
    beyond both is answered ``503`` with ``Retry-After`` at once, instead of hanging behind everyone
    else; one that waited ``max_wait`` seconds without a turn is answered the same way. Other paths
    pass through.
    """

    def __init__(
        self,
        app: ASGIApp,
        prefixes: tuple[str, ...],
        workers: int,
        queue: int,
        max_wait: float,
        body_timeout: float = 10.0,
        retry_after: int = 1,
    ):
        self.app, self.prefixes = app, prefixes
        self.workers, self.queue, self.max_wait, self.retry_after = workers, queue, max_wait, retry_after
        self.body_timeout = body_timeout
        self._slots: asyncio.Semaphore | None = None  # made on first use, inside the server's event loop
        self._admitted = 0  # running or waiting

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefixes):
            await self.app(scope, receive, send)
            return
        try:
            body = await asyncio.wait_for(read_body(receive), self.body_timeout)
        except TimeoutError:
            message = f"the request body did not arrive within {self.body_timeout:g} s"
            await send_error(send, 408, message, {b"connection": b"close"})
            return
        if body is None:  # the client left before sending it all: nobody to answer
            log_disconnect(scope["method"], scope["path"])
            return
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.workers)
        # Counted before any await, so a burst that arrives at once is counted whole.
        if self._admitted >= self.workers + self.queue:
            await self._refuse(send, "the server is busy")
            return
        self._admitted += 1
        try:
            try:
                await asyncio.wait_for(self._slots.acquire(), self.max_wait)
            except TimeoutError:
                await self._refuse(send, f"the server is busy (waited {self.max_wait:g} s)")
                return
            try:
                await self.app(scope, replay(body, receive), send)
            finally:
                self._slots.release()
        finally:
            self._admitted -= 1

    async def _refuse(self, send: Send, why: str) -> None:
        message = f"{why}: try again in {self.retry_after} s"
        await send_error(send, 503, message, {b"retry-after": str(self.retry_after).encode()})


def log_disconnect(method: str, path: str) -> None:
    """One log line for a client that went away in the middle of its request body."""
    log.info("client disconnected while sending %s %s: request dropped", method, path)


async def read_body(receive: Receive) -> bytes | None:
    """The whole request body, or None when the client disconnected first."""
    parts = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        parts.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(parts)


def replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives ``body`` (already read) as one message, then passes on to ``receive``."""
    pending: list[Message] = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive_again() -> Message:
        return pending.pop() if pending else await receive()

    return receive_again


async def send_error(send: Send, status: int, message: str, headers: dict[bytes, bytes]) -> None:
    """Answer from inside a middleware with the API's error shape, ``{"error": message}``, and ``headers``."""
    body = json.dumps({"error": message}, ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *headers.items(),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
