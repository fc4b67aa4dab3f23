"""Access control: password hashes, the users file, the API key and widget tokens.

* Page login: ``AppConfig.users_file`` names a TOML or JSON file mapping user
  names to password hashes (``make_hash``; ``govqa serve --hash-password``).
* API key: ``AppConfig.api_key``; clients send ``X-API-Key: KEY`` or
  ``Authorization: Bearer KEY``.
* Widget token: ``/widget`` is a page of this server, so it carries a
  short-lived, search-only token signed by the server; whoever may open the
  widget may search through it, nothing more.
* Libraries and who may read them (issue 28): the users file may give each user
  ``groups``, list scoped API keys (``[keys.NAME]``: a key's SHA-256, its groups,
  ``read_only``) and name, per library, the groups that may read it and those that
  may add or remove its documents (``[libraries."NAME"] readers / editors``). Every
  request is made by a ``Principal``; ``Access.readable`` and ``Access.may_edit`` say
  what it may do. See docs/api.md "Libraries, groups and keys".
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
from collections.abc import Iterable, Mapping
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
    """User name → password hash from a TOML or JSON file (a ``[users]`` table or a top-level mapping).

    A user may be a table ``{password = HASH, groups = [...]}`` (``load_policy`` reads the groups)."""
    return {name: entry[0] for name, entry in _user_entries(path).items()}


def _read_file(path: str | Path) -> dict:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise AuthConfigError(f"{p}: cannot read the users file ({exc.strerror or exc})") from None
    try:
        data = json.loads(text) if p.suffix.lower() == ".json" else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise AuthConfigError(f"{p}: not valid {'JSON' if p.suffix.lower() == '.json' else 'TOML'} ({exc})") from None
    if not isinstance(data, dict):
        raise AuthConfigError(f"{p}: expected a mapping of user name to password hash")
    return data


_SECTIONS = ("users", "keys", "libraries", "admins")


def _user_entries(path: str | Path) -> dict[str, tuple[str, frozenset[str]]]:
    """User name → (password hash, groups)."""
    p = Path(path)
    data = _read_file(p)
    users = data.get("users", {k: v for k, v in data.items() if k not in _SECTIONS})
    if not isinstance(users, dict) or not users:
        raise AuthConfigError(f"{p}: expected a mapping of user name to password hash")
    out = {}
    for name, entry in users.items():
        stored, groups = (entry.get("password"), entry.get("groups", [])) if isinstance(entry, dict) else (entry, [])
        if not isinstance(stored, str) or stored.split("$", 1)[0] not in ("scrypt", "pbkdf2_sha256"):
            raise AuthConfigError(f"{p}: user {name!r} needs a hash made by `govqa serve --hash-password`")
        out[name] = (stored, _groups(p, f"user {name!r}", groups))
    return out


def _groups(path: Path, what: str, value: object) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(g, str) and g.strip() for g in value):
        raise AuthConfigError(f'{path}: {what}: groups must be a list of names, e.g. groups = ["reports"]')
    return frozenset(g.strip() for g in value)


#: The group whose members (users, keys) may do everything and read the audit log.
ADMIN = "admin"
#: In a library's ``readers``: everyone who may use the server, the widget without a login included.
EVERYONE = "*"


@dataclass(frozen=True)
class Principal:
    """Who makes a request: a user, a scoped API key, a widget token, or anyone (an open server).

    ``name`` is what the audit log records ("alice", "key:portal", "widget:alice", "anonymous");
    ``read_only``: a key that may only read, whatever its groups.
    """

    name: str
    groups: frozenset[str] = frozenset()
    read_only: bool = False

    @property
    def admin(self) -> bool:
        """Whether it may do everything (the ``admin`` group, or the server's one ``[app] api_key``)."""
        return ADMIN in self.groups


#: Whoever uses a server without credentials: it may do everything, as before libraries.
ANYONE = Principal("anonymous", frozenset({ADMIN}))


@dataclass(frozen=True)
class LibraryRule:
    """The groups that may read a library and those that may add and remove its documents (who may also read it)."""

    readers: frozenset[str] = frozenset()
    editors: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ApiKey:
    """A scoped API key: its name (for the log and ``/api/keys``), the SHA-256 of the key, its groups."""

    name: str
    sha256: str
    groups: frozenset[str]
    read_only: bool = False


def key_digest(key: str) -> str:
    """The SHA-256 (hex) a users file records of an API key (``govqa serve --hash-key``): never the key itself."""
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class Policy:
    """What a users file says beyond passwords: users' groups, scoped keys, per-library rules.

    ``libraries`` None: the file has no ``[libraries]`` table, so everyone who gets in reads
    every library and edits it (unless a read-only key), as before libraries.
    """

    groups: dict[str, frozenset[str]] = field(default_factory=dict)
    keys: tuple[ApiKey, ...] = ()
    libraries: dict[str, LibraryRule] | None = None


def load_policy(path: str | Path) -> Policy:
    """Users' groups, ``[keys.NAME]`` and ``[libraries."NAME"]`` of a users file; ``AuthConfigError`` for a bad entry."""
    p = Path(path)
    data = _read_file(p)
    groups = {name: entry[1] for name, entry in _user_entries(p).items()}
    keys = []
    for name, entry in (data.get("keys") or {}).items():
        digest = entry.get("sha256") if isinstance(entry, dict) else None
        if not isinstance(digest, str) or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise AuthConfigError(f"{p}: key {name!r} needs sha256 = the key's SHA-256 (`govqa serve --hash-key`)")
        read_only = entry.get("read_only", False)
        if not isinstance(read_only, bool):
            raise AuthConfigError(f"{p}: key {name!r}: read_only is true or false")
        keys.append(ApiKey(name, digest, _groups(p, f"key {name!r}", entry.get("groups", [])), read_only))
    libraries = None
    if "libraries" in data:
        table = data["libraries"]
        if not isinstance(table, dict):
            raise AuthConfigError(f'{p}: [libraries."NAME"] tables name readers and editors')
        libraries = {}
        for name, entry in table.items():
            if not isinstance(entry, dict) or set(entry) - {"readers", "editors"}:
                raise AuthConfigError(f'{p}: [libraries."{name}"] takes readers = [...] and editors = [...]')
            what = f"library {name!r}"
            libraries[name] = LibraryRule(
                _groups(p, what, entry.get("readers", [])), _groups(p, what, entry.get("editors", []))
            )
    return Policy(groups, tuple(keys), libraries)


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
    policy: Policy = field(default_factory=Policy)
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
        return bool(self.api_key or self.users or self.policy.keys)

    # -- who may read and edit which library ---------------------------------
    def user(self, name: str) -> Principal:
        """The principal of a logged-in user, with the groups the users file gives it."""
        return Principal(name, self.policy.groups.get(name, frozenset()))

    def page_principal(self, username: str | None, key: str = "") -> Principal:
        """Who uses the page: the logged-in user, else the key typed in its key box, else anyone (a page
        without login reads as an open server does; editing then needs the key)."""
        if username and self.login_required:
            return self.user(username)
        found = self.key_principal(key) if key else None
        if found is not None:
            return found
        return ANYONE if not self.locked else Principal("anonymous", read_only=True)

    def key_principal(self, key: str) -> Principal | None:
        """The principal of an API key: the server's ``[app] api_key`` (an administrator) or a scoped key; None."""
        if self.key_ok(key):
            return Principal("key", frozenset({ADMIN}))
        digest = key_digest(key) if key else ""
        found = None
        for entry in self.policy.keys:  # every entry compared: the time does not tell which matched
            if hmac.compare_digest(digest, entry.sha256):
                found = entry
        return None if found is None else Principal(f"key:{found.name}", found.groups, found.read_only)

    def _rule(self, library: str) -> LibraryRule | None:
        rules = self.policy.libraries
        assert rules is not None
        return rules.get(library, rules.get(EVERYONE))

    def may_read(self, who: Principal, library: str) -> bool:
        """Whether ``who`` may read ``library``: an administrator, a reader or editor group, or ``readers = ["*"]``."""
        if self.policy.libraries is None or who.admin:
            return True
        rule = self._rule(library)
        return rule is not None and bool(EVERYONE in rule.readers or who.groups & (rule.readers | rule.editors))

    def may_edit(self, who: Principal, library: str) -> bool:
        """Whether ``who`` may add or remove documents of ``library`` (never a read-only key)."""
        if who.read_only:
            return False
        if self.policy.libraries is None or who.admin:
            return True
        rule = self._rule(library)
        return rule is not None and bool(who.groups & rule.editors)

    def readable(self, who: Principal, libraries: Iterable[str]) -> tuple[str, ...]:
        """Those of ``libraries`` ``who`` may read, in order."""
        return tuple(name for name in libraries if self.may_read(who, name))

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

    def widget_token(self, now: float | None = None, session: str = "", user: str = "") -> str:
        """A search-only token for the widget page, valid for ``token_ttl`` seconds.

        Given the login ``session`` (its cookie value) it ends with that session: it expires
        no later, and is refused once the session is revoked (``revoke``, at logout). It carries
        the ``user`` (signed): the widget reads the libraries that user may read, no others.
        """
        expires = int((now or time.time()) + self.token_ttl)
        session_id = ""
        if session:
            session_id = _session_id(session)
            expires = min(expires, int(session.split(".")[1]) if session.count(".") == 2 else expires)
        body = f"{expires}.{session_id}.{_b64(user.encode())}"
        return f"{body}.{self._sign(body)}"

    def widget_principal(self, token: str, now: float | None = None) -> Principal | None:
        """Who a widget token of this server speaks for (``widget:USER``, read only), or None when it is not
        valid: forged, expired, its session revoked, or its user gone from the users file."""
        body, _, signature = token.rpartition(".")
        parts = body.split(".")
        if len(parts) != 3 or not parts[0].isdigit() or not hmac.compare_digest(signature, self._sign(body)):
            return None
        expires, session_id, name = parts
        if int(expires) < (now or time.time()) or session_id in self.revoked:
            return None
        try:
            user = _unb64(name).decode()
        except (ValueError, UnicodeDecodeError):
            return None
        if user and user not in self.users:
            return None
        groups = self.policy.groups.get(user, frozenset()) if user else frozenset()
        if not self.users and not self.policy.libraries:  # no users: the widget reads what anyone may
            groups = frozenset({ADMIN})
        return Principal(f"widget:{user or 'anonymous'}", groups, read_only=True)

    def widget_token_ok(self, token: str, now: float | None = None) -> bool:
        """True for an unexpired token made by ``widget_token`` of this server whose session is not revoked."""
        return self.widget_principal(token, now) is not None

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
    """The policy for an ``AppConfig``'s ``api_key`` and ``users_file`` (users, groups, keys, libraries)."""
    if not users_file:
        return Access(api_key=api_key)
    return Access(api_key=api_key, users=load_users(users_file), policy=load_policy(users_file))
