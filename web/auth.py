"""Access control: password hashes, the users file, the API key and widget tokens.

* Page login: ``AppConfig.users_file`` names a TOML or JSON file mapping user
  names to password hashes (``make_hash``; ``govqa serve --hash-password``).
* API key: ``AppConfig.api_key``; clients send ``X-API-Key: KEY`` or
  ``Authorization: Bearer KEY``.
* Widget token: ``/widget`` is a page of this server, so it carries a
  short-lived, search-only token signed by the server; whoever may open the
  widget may search through it, nothing more.
* Logout ends a session on the server: its id goes on a revocation list that
  every session check reads, so a copy of the cookie is refused from then on.
  The list lives as long as the signing secret (the server's process: a
  restart ends every session anyway), and an entry only until its session
  would have expired.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import secrets
import threading
import time
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from govqa.errors import ConfigError

# scrypt cost: 2**14 * 8 * 128 bytes = 16 MiB of memory, ~50 ms per check.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
PBKDF2_ITERATIONS = 600_000


class AuthConfigError(ConfigError):
    """A users file or password hash that cannot be used."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def make_hash(password: str, scheme: str = "scrypt") -> str:
    """A salted hash of ``password`` for the users file: ``scrypt$…`` (default) or ``pbkdf2_sha256$…``."""
    if not password:
        raise ValueError("the password is empty")
    salt = secrets.token_bytes(16)
    if scheme == "scrypt":
        digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
        return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"
    if scheme == "pbkdf2_sha256":
        digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, PBKDF2_ITERATIONS)
        return f"pbkdf2_sha256${PBKDF2_ITERATIONS}${_b64(salt)}${_b64(digest)}"
    raise ValueError(f"unknown hash scheme {scheme!r}; use scrypt or pbkdf2_sha256")


def verify_password(password: str, stored: str) -> bool:
    """True when ``password`` matches the ``stored`` hash; False for any malformed hash."""
    try:
        scheme, *parts = stored.split("$")
        if scheme == "scrypt":
            n, r, p, salt, digest = parts
            expected = _unb64(digest)
            got = hashlib.scrypt(
                password.encode(),
                salt=_unb64(salt),
                n=int(n),
                r=int(r),
                p=int(p),
                maxmem=256 * 1024 * 1024,
                dklen=len(expected),
            )
        elif scheme == "pbkdf2_sha256":
            iterations, salt, digest = parts
            expected = _unb64(digest)
            got = hashlib.pbkdf2_hmac("sha256", password.encode(), _unb64(salt), int(iterations), len(expected))
        else:
            return False
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


@functools.cache
def _dummy_hash() -> str:
    return make_hash(secrets.token_urlsafe(16))


def load_users(path: str | Path) -> dict[str, str]:
    """User name → password hash from a TOML or JSON file (a ``[users]`` table or a top-level mapping)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise AuthConfigError(f"{p}: cannot read the users file ({exc.strerror or exc})") from None
    try:
        data = json.loads(text) if p.suffix.lower() == ".json" else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise AuthConfigError(f"{p}: not valid {'JSON' if p.suffix.lower() == '.json' else 'TOML'} ({exc})") from None
    users = data.get("users", data) if isinstance(data, dict) else None
    if not isinstance(users, dict) or not users:
        raise AuthConfigError(f"{p}: expected a mapping of user name to password hash")
    for name, stored in users.items():
        if not isinstance(stored, str) or stored.split("$", 1)[0] not in ("scrypt", "pbkdf2_sha256"):
            raise AuthConfigError(f"{p}: user {name!r} needs a hash made by `govqa serve --hash-password`")
    return dict(users)


def presented_key(headers: Mapping[str, str]) -> str:
    """The API key a request carries in ``X-API-Key`` or ``Authorization: Bearer``; ``""`` if none."""
    key = headers.get("x-api-key", "")
    if key:
        return key.strip()
    scheme, _, value = headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


@dataclass
class Access:
    """The access policy of one server: users for the page, an API key, widget tokens.

    With neither users nor an API key everything is open (a single-user
    local install); with either, uploads and removals need credentials.
    """

    api_key: str = ""
    users: dict[str, str] = field(default_factory=dict)
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    token_ttl: float = 12 * 3600
    # Sessions ended by logout: session id -> when the session would have expired (epoch seconds).
    revoked: dict[str, int] = field(default_factory=dict)
    _revoking: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def login_required(self) -> bool:
        """Whether the page asks for a user name and password."""
        return bool(self.users)

    @property
    def locked(self) -> bool:
        """Whether any credential is configured."""
        return bool(self.api_key or self.users)

    def check_login(self, username: str, password: str) -> bool:
        """The login form's check: the user exists and the password matches its hash."""
        stored = self.users.get(username)
        if stored is None:
            verify_password(password, _dummy_hash())  # same cost for unknown users: no name probing
            return False
        return verify_password(password, stored)

    def key_ok(self, key: str) -> bool:
        """True when ``key`` is the configured API key (constant-time)."""
        return bool(self.api_key) and bool(key) and hmac.compare_digest(key.encode(), self.api_key.encode())

    def widget_token(self, now: float | None = None, session: str = "") -> str:
        """A search-only token for the widget page, valid for ``token_ttl`` seconds.

        Given the login ``session`` (its cookie value) it ends with that session: it expires
        no later, and is refused once the session is revoked (``revoke``, at logout).
        """
        expires = int((now or time.time()) + self.token_ttl)
        session_id = ""
        if session:
            session_id = _session_id(session)
            expires = min(expires, int(session.split(".")[1]) if session.count(".") == 2 else expires)
        body = f"{expires}.{session_id}"
        return f"{body}.{self._sign(body)}"

    def widget_token_ok(self, token: str, now: float | None = None) -> bool:
        """True for an unexpired token made by ``widget_token`` of this server whose session is not revoked."""
        expires, _, rest = token.partition(".")
        session_id, _, signature = rest.rpartition(".")
        if not expires.isdigit() or not hmac.compare_digest(signature, self._sign(f"{expires}.{session_id}")):
            return False
        return int(expires) >= (now or time.time()) and session_id not in self.revoked

    def revoke(self, session: str, now: float | None = None) -> None:
        """End a login session on the server (logout): ``session_user`` and its widget tokens refuse it from now on.

        Only a session this server signed and that has not expired is recorded (a forged cookie
        cannot grow the list); expired entries are dropped as new ones come.
        """
        parts = self._session_parts(session)
        now = now or time.time()
        if parts is None or parts[1] < now:
            return
        with self._revoking:
            live = {sid: expires for sid, expires in self.revoked.items() if expires >= now}
            live[_session_id(session)] = parts[1]
            self.revoked = live

    def session_token(self, user: str, now: float | None = None) -> str:
        """The login cookie's value for ``user``: name, expiry and signature, valid for ``token_ttl`` seconds."""
        expires = str(int((now or time.time()) + self.token_ttl))
        name = _b64(user.encode())
        return f"{name}.{expires}.{self._sign(f'session:{name}.{expires}')}"

    def session_user(self, token: str, now: float | None = None) -> str | None:
        """The user a ``session_token`` of this server names, or None (forged, expired, logged out, unknown user)."""
        parts = self._session_parts(token)
        if parts is None or parts[1] < (now or time.time()) or _session_id(token) in self.revoked:
            return None
        try:
            user = _unb64(parts[0]).decode()
        except (ValueError, UnicodeDecodeError):
            return None
        return user if user in self.users else None

    def _session_parts(self, token: str) -> tuple[str, int] | None:
        """The encoded user name and expiry of a session token this server signed, or None."""
        name, _, rest = token.partition(".")
        expires, _, signature = rest.partition(".")
        if not expires.isdigit() or not hmac.compare_digest(signature, self._sign(f"session:{name}.{expires}")):
            return None
        return name, int(expires)

    def _sign(self, text: str) -> str:
        return _b64(hmac.new(self.secret, f"widget:{text}".encode(), hashlib.sha256).digest())[:32]


def _session_id(session: str) -> str:
    """A session's id: the start of its signature (unique per user and expiry, and not the whole secret token)."""
    return session.rsplit(".", 1)[-1][:16]


@dataclass
class LoginThrottle:
    """At most ``attempts`` failed logins per (user, address) in ``window`` seconds; then refuse until it passes.

    Counts failures only; a success clears them. Memory is bounded: the oldest
    keys go first beyond ``max_keys``.
    """

    attempts: int = 5
    window: float = 300.0
    max_keys: int = 10_000
    _failures: dict[tuple[str, str], list[float]] = field(default_factory=dict)

    def retry_after(self, user: str, address: str, now: float | None = None) -> int:
        """Seconds until ``user`` may try again from ``address`` (0: now)."""
        now = now or time.time()
        recent = [t for t in self._failures.get((user, address), []) if now - t < self.window]
        return int(self.window - (now - recent[0])) + 1 if len(recent) >= self.attempts else 0

    def failed(self, user: str, address: str, now: float | None = None) -> None:
        """Record a failed login."""
        now = now or time.time()
        key = (user, address)
        self._failures[key] = [t for t in self._failures.pop(key, []) if now - t < self.window] + [now]
        while len(self._failures) > self.max_keys:
            self._failures.pop(next(iter(self._failures)))

    def succeeded(self, user: str, address: str) -> None:
        """Forget the failures of a user who logged in."""
        self._failures.pop((user, address), None)


def load_access(api_key: str, users_file: str) -> Access:
    """The policy for an ``AppConfig``'s ``api_key`` and ``users_file``."""
    return Access(api_key=api_key, users=load_users(users_file) if users_file else {})
