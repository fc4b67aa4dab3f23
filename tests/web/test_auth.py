"""Password hashes, the users file, API keys and widget tokens."""

from __future__ import annotations

import json

import pytest

from govqa.web.auth import Access, AuthConfigError, load_users, make_hash, presented_key, verify_password


@pytest.mark.parametrize("scheme", ["scrypt", "pbkdf2_sha256"])
def test_hash_round_trip_with_salt(scheme: str) -> None:
    first, second = make_hash("秘密 pass", scheme), make_hash("秘密 pass", scheme)
    assert first.startswith(scheme + "$") and first != second  # salted
    assert verify_password("秘密 pass", first) and verify_password("秘密 pass", second)
    assert not verify_password("秘密 pas", first)


@pytest.mark.parametrize("stored", ["", "plain", "scrypt$1$2", "md5$abc$def", "scrypt$x$8$1$aa$bb"])
def test_malformed_hashes_never_match(stored: str) -> None:
    assert not verify_password("anything", stored)


def test_empty_password_refused() -> None:
    with pytest.raises(ValueError):
        make_hash("")


def test_users_from_toml_and_json(tmp_path) -> None:
    digest = make_hash("pw")
    toml = tmp_path / "users.toml"
    toml.write_text(f'[users]\nalice = "{digest}"\n', encoding="utf-8")
    flat = tmp_path / "users.json"
    flat.write_text(json.dumps({"bob": digest}), encoding="utf-8")
    assert load_users(toml) == {"alice": digest}
    assert load_users(flat) == {"bob": digest}


def test_users_file_errors_are_clear(tmp_path) -> None:
    bad = tmp_path / "users.toml"
    bad.write_text('alice = "plaintext"\n', encoding="utf-8")
    with pytest.raises(AuthConfigError, match="--hash-password"):
        load_users(bad)
    with pytest.raises(AuthConfigError, match="cannot read"):
        load_users(tmp_path / "missing.toml")


def test_presented_key_from_either_header() -> None:
    assert presented_key({"x-api-key": " k1 "}) == "k1"
    assert presented_key({"authorization": "Bearer k2"}) == "k2"
    assert presented_key({"authorization": "Basic abc"}) == ""
    assert presented_key({}) == ""


def test_access_policy() -> None:
    access = Access(api_key="s3cret", users={"alice": make_hash("pw")})
    assert access.locked and access.login_required
    assert access.key_ok("s3cret") and not access.key_ok("s3cre") and not access.key_ok("")
    assert access.check_login("alice", "pw") and not access.check_login("alice", "no")
    assert not access.check_login("mallory", "pw")
    assert not Access().locked and not Access().key_ok("")


def test_widget_tokens_expire_and_cannot_be_forged() -> None:
    access = Access(api_key="k", token_ttl=60)
    token = access.widget_token(now=1000)
    assert access.widget_token_ok(token, now=1030)
    assert not access.widget_token_ok(token, now=1061)
    expires, _, signature = token.partition(".")
    assert not access.widget_token_ok(f"{int(expires) + 999}.{signature}", now=1030)
    assert not Access(api_key="k").widget_token_ok(token, now=1030)  # another server's secret
    assert not access.widget_token_ok("", now=1030)


def test_a_widget_token_ends_with_its_login_session() -> None:
    access = Access(users={"alice": make_hash("pw")}, token_ttl=3600)
    session = access.session_token("alice", now=1000)
    assert access.session_user(session, now=1500) == "alice"
    assert access.session_user(session + "x", now=1500) is None and access.session_user(session, now=9999) is None
    token = access.widget_token(now=1200, session=session)
    assert access.widget_token_ok(token, now=1300)
    assert not access.widget_token_ok(token, now=4601)  # the session's end, not 1200 + 3600
    access.revoke(session, now=1250)  # logout
    assert not access.widget_token_ok(token, now=1300)


def test_logout_ends_the_session_on_the_server() -> None:
    access = Access(users={"alice": make_hash("pw")}, token_ttl=3600)
    session = access.session_token("alice", now=1000)
    copied = str(session)  # a copy of the cookie taken before logout
    access.revoke(session, now=1100)
    assert access.session_user(copied, now=1200) is None
    later = access.session_token("alice", now=2000)  # a new login is a new session
    assert access.session_user(later, now=2100) == "alice"
    access.revoke("bW9sbHk.99999.forged", now=1200)  # only sessions this server signed are recorded
    access.revoke(access.session_token("alice", now=500), now=4200)  # nor sessions already over (at 4100)
    assert len(access.revoked) == 1
    access.revoke(later, now=4700)  # the first session expired at 4600: its entry goes
    assert len(access.revoked) == 1 and access.session_user(later, now=4800) is None


def test_failed_logins_are_throttled_per_user_and_address() -> None:
    from govqa.web.auth import LoginThrottle

    throttle = LoginThrottle(attempts=3, window=60)
    for _ in range(3):
        assert throttle.retry_after("alice", "10.0.0.1", now=100) == 0
        throttle.failed("alice", "10.0.0.1", now=100)
    assert throttle.retry_after("alice", "10.0.0.1", now=110) == 51
    assert throttle.retry_after("alice", "10.0.0.2", now=110) == 0  # another address
    assert throttle.retry_after("bob", "10.0.0.1", now=110) == 0  # another user
    assert throttle.retry_after("alice", "10.0.0.1", now=161) == 0  # the window passed
