"""The page's login: govqa's own form and signed session cookie, handed to Gradio as its ``auth_dependency``.

Gradio documents ``auth_dependency`` (``mount_gradio_app``) as the way an app
that owns its login tells Gradio who the user is; the JSON API, the widget and
the page then read the user from the same cookie, with no Gradio internals.
Failed logins are throttled per user and address (``LoginThrottle``).
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from govqa.web.auth import Access, LoginThrottle
from govqa.web.cards import esc

COOKIE = "govqa_session"
UserFn = Callable[[Request], str | None]

_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>登录 · 政府工作报告问答</title>
<style>body{{font-family:system-ui,"Noto Sans CJK SC",sans-serif;display:flex;justify-content:center;margin-top:12vh}}
form{{display:grid;gap:10px;width:min(320px,90vw)}}input,button{{font-size:16px;padding:8px}}
.err{{color:#b91c1c}}</style></head>
<body><form method="post" action="login"><h1>政府工作报告问答</h1><p>{message}</p>{error}
<label for="username">用户名</label><input id="username" name="username" autocomplete="username" required autofocus>
<label for="password">密码</label><input id="password" name="password" type="password" autocomplete="current-password"
required><button type="submit">登录</button></form></body></html>
"""


def user_lookup(access: Access) -> UserFn:
    """``request -> user name | None`` from the session cookie (None when login is off or the cookie is not valid)."""

    def user_of(request: Request) -> str | None:
        token = request.cookies.get(COOKIE, "")
        return access.session_user(token) if token and access.login_required else None

    return user_of


def login_routes(app: FastAPI, access: Access, message: str) -> None:
    """``GET/POST /login`` and ``GET /logout``; ``message`` is shown above the form."""
    throttle = LoginThrottle()

    def page(error: str = "", status: int = 200, headers: dict[str, str] | None = None) -> HTMLResponse:
        shown = f'<p class="err" role="alert">{esc(error)}</p>' if error else ""
        return HTMLResponse(_PAGE.format(message=esc(message), error=shown), status_code=status, headers=headers)

    @app.get("/login", include_in_schema=False)
    def login_form() -> HTMLResponse:
        return page()

    @app.post("/login", include_in_schema=False)
    def login(request: Request, username: str = Form(""), password: str = Form("")) -> Response:
        address = request.client.host if request.client else ""
        wait = throttle.retry_after(username, address)
        if wait:
            return page(f"尝试次数过多，请 {wait} 秒后再试。", 429, {"Retry-After": str(wait)})
        if not access.check_login(username, password):
            throttle.failed(username, address)
            return page("用户名或密码错误。", 400)
        throttle.succeeded(username, address)
        response = RedirectResponse("./", status_code=303)
        response.set_cookie(
            COOKIE,
            access.session_token(username),
            max_age=int(access.token_ttl),
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )
        return response

    @app.get("/logout", include_in_schema=False)
    def logout(request: Request) -> Response:
        access.revoke(request.cookies.get(COOKIE, ""))
        response = RedirectResponse("login", status_code=303)
        response.delete_cookie(COOKIE)
        return response
