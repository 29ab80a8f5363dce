"""The explorer's web server: one static page and a JSON API, with Starlette.

Routes: `GET /` the page, `GET /static/...` its script and style (served from this
package, nothing from the network), `GET /api/levers` the levers and their scenario values,
`POST /api/run` a lever state -> the answer (for the edited state and the scenario's own),
`POST /api/check` a lever state -> the scenario file it means, loaded by the scenario loader
(schema and checks against the data; the page asks after each pause in moving),
`POST /api/scenario` a lever state -> the YAML file that reproduces it (a download).
Requests are bounded (MAX_BODY bytes) and validated; a bad one gets status 400 and
`{"error": message}` naming the key. The server writes no file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from sim.errors import CitypathsError
from sim.explore.session import Explorer, LeverState

STATIC = Path(__file__).parent / "static"
LOOPBACK = ["127.0.0.1", "localhost", "::1", "[::1]"]
MAX_BODY = 64_000  # bytes of one request


def _error(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def _state(request: Request, explorer: Explorer) -> LeverState:
    size = request.headers.get("content-length")
    if size is not None and (not size.isdigit() or int(size) > MAX_BODY):
        raise CitypathsError(f"request: larger than {MAX_BODY} bytes")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise CitypathsError(f"request: larger than {MAX_BODY} bytes")
    try:
        payload: Any = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError) as exc:
        raise CitypathsError(f"request: not JSON ({exc})") from None
    except RecursionError:  # "[[[[..." within the size limit
        raise CitypathsError("request: nested too deeply") from None
    return explorer.parse_state(payload)


def create_app(explorer: Explorer, allowed_hosts: list[str] | None = None) -> Starlette:
    """The app serving `explorer` (one scenario, one city). `allowed_hosts`: the Host
    headers accepted (None: any); `citypaths explore` on a loopback address accepts only
    loopback names, so a web page elsewhere cannot reach the API by DNS rebinding."""
    base_answer = explorer.answer(LeverState())

    async def page(request: Request) -> Response:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    async def levers(request: Request) -> Response:
        return JSONResponse(explorer.levers())

    async def run(request: Request) -> Response:
        try:
            state = await _state(request, explorer)
            answer = explorer.answer(state)
        except CitypathsError as exc:
            return _error(str(exc))
        return JSONResponse({"answer": answer, "base": base_answer})

    async def check(request: Request) -> Response:
        try:
            explorer.validate(await _state(request, explorer))
        except CitypathsError as exc:
            return _error(str(exc))
        return JSONResponse({"ok": True})

    async def scenario(request: Request) -> Response:
        try:
            state = await _state(request, explorer)
            explorer.validate(state)  # the file must load as it will be run
        except CitypathsError as exc:
            return _error(str(exc))
        name = f"{explorer.base.scenario.id}-explored.yaml"
        return Response(
            explorer.overlay_yaml(state),
            media_type="application/yaml",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    middleware = []
    if allowed_hosts is not None:
        middleware.append(Middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts))
    return Starlette(
        middleware=middleware,
        routes=[
            Route("/", page),
            Route("/api/levers", levers),
            Route("/api/run", run, methods=["POST"]),
            Route("/api/check", check, methods=["POST"]),
            Route("/api/scenario", scenario, methods=["POST"]),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ],
    )
