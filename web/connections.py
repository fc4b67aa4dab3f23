"""How uvicorn holds connections: a deadline for every request's headers, a short keep-alive, and whose
proxy headers it believes.

uvicorn closes a keep-alive connection that stays idle ``timeout_keep_alive`` seconds after a
response, but sets no deadline for a request's headers: a client may open connections, send half
a request line and wait. Such a connection costs a socket, never a worker (admission counts a
question only once its body has arrived: ``web.middleware.Admission``); ``HeaderDeadline`` closes
it after ``[app] header_timeout_s``.

uvicorn believes ``X-Forwarded-For`` and ``X-Forwarded-Proto`` by default (``proxy_headers=True``) from
``$FORWARDED_ALLOW_IPS`` or else 127.0.0.1 and ::1: any local process could then claim any address, and
rotate it past the login throttle. govqa believes them only from ``[app] trusted_proxies`` (none by default).
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from govqa.web.settings import AppConfig

KEEP_ALIVE_S = 5  # uvicorn's default, stated here so that serve() and the tests' servers agree


class HeaderDeadline(H11Protocol):
    """uvicorn's h11 protocol, closing a connection whose request headers are not complete in ``header_timeout`` s.

    The clock starts when the connection opens and again after each response.
    """

    header_timeout = 10.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._deadline: asyncio.TimerHandle | None = None
        super().connection_made(transport)
        self._arm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        super().connection_lost(exc)

    def _arm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        self._deadline = self.loop.call_later(self.header_timeout, self._headers_late)

    def _headers_late(self) -> None:
        # No request under way since the clock started (and not upgraded to a WebSocket): close.
        waiting = self.cycle is None or self.cycle.response_complete
        if waiting and self.transport.get_protocol() is self and not self.transport.is_closing():
            self.transport.close()


def connection_settings(app: AppConfig) -> dict[str, Any]:
    """The keyword arguments of ``uvicorn.Config`` for govqa's connection handling (serve and tests):
    the header deadline, the keep-alive, and proxy headers believed from ``app.trusted_proxies`` only."""
    protocol = type("HeaderDeadline", (HeaderDeadline,), {"header_timeout": app.header_timeout_s})
    proxies = list(app.trusted_proxies)  # a list, never None: uvicorn would read $FORWARDED_ALLOW_IPS
    return {
        "http": protocol,
        "timeout_keep_alive": KEEP_ALIVE_S,
        "proxy_headers": bool(proxies),
        "forwarded_allow_ips": proxies,
    }
