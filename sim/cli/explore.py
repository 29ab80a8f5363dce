"""`citypaths explore`: a local web page with levers for one city of a scenario."""

from __future__ import annotations

import argparse
import time

from sim.cli._common import DATA_HELP, echo
from sim.errors import CitypathsError


def _explore(args: argparse.Namespace) -> int:
    t0 = time.perf_counter()
    try:
        import uvicorn

        from sim.explore.server import LOOPBACK, create_app
        from sim.explore.session import Explorer
    except ImportError as exc:  # an install without the server's parts
        raise CitypathsError(f"explore needs starlette and uvicorn: {exc}") from None
    if not 0 <= args.port <= 65535:
        raise CitypathsError(f"--port: expected 0-65535, got {args.port}")
    explorer = Explorer(args.scenario, args.city, args.data)
    loopback = args.host in ("127.0.0.1", "localhost", "::1")
    # runs the scenario once: compiles the rollout code or loads it from numba's cache
    app = create_app(explorer, allowed_hosts=LOOPBACK if loopback else None)
    if not loopback:
        echo(f"warning: serving on {args.host}: other machines can reach this page")
    echo(
        f"citypaths explore: {explorer.base.scenario.id}, city {explorer.city} "
        f"(ready in {time.perf_counter() - t0:.1f} s)\n"
        f"open http://{args.host}:{args.port}/ (Ctrl-C stops)"
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "explore",
        help="a local web page: move a measure's levers, see the city's pathway",
        description="Serve a local web page with a lever per measure (on/off, ambition, "
        "start year), capacity and budget of one city of a scenario; each move shows the "
        "pathway, wedges, targets, costs and delays. 'Save as scenario' downloads a file "
        "that extends SCENARIO.yaml with the changed values. Writes no file.",
    )
    p.add_argument("scenario", metavar="SCENARIO.yaml", help="the scenario to start from")
    p.add_argument("--city", help="kommun code or name (default: the scenario's first city)")
    p.add_argument("--port", type=int, default=8050, help="port to serve on (default 8050)")
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to bind (default 127.0.0.1: this machine only)",
    )
    p.add_argument("--data", help=DATA_HELP)
    p.set_defaults(func=_explore)
