"""The ``python -m voltricx`` command line.

| command | what it does |
|---|---|
| ``python -m voltricx demo`` | three fake nodes, players, a node killed, failover shown |
| ``python -m voltricx check URI`` | step-by-step diagnosis of one Lavalink node |
| ``python -m voltricx store inspect REDIS_URL`` | shard owners, leases, tokens, players |
| ``python -m voltricx --version`` | versions of voltricx, Python and libraries |

This package is a console program and writes to stdout; the library
itself never prints (except the connection report it documents).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import Callable, Coroutine, Generator, Sequence
from typing import Any, TextIO

from voltricx.cli._console import Console
from voltricx.cli.version import version_lines

__all__ = ["build_parser", "main"]


class _VersionAction(argparse.Action):
    def __init__(self, option_strings: list[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, help="show versions of voltricx, Python and libraries")

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        stream: TextIO = getattr(namespace, "_stdout", None) or sys.stdout
        stream.write("\n".join(version_lines()) + "\n")
        stream.flush()
        parser.exit(0)


def _positive(kind: type[float]) -> Callable[[str], float]:
    def convert(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be positive, got {text}")
        return value

    return convert


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m voltricx``."""
    parser = argparse.ArgumentParser(
        prog="python -m voltricx",
        description="voltricx: a typed, fault-tolerant Lavalink v4 client.",
    )
    parser.add_argument("--version", action=_VersionAction)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = commands.add_parser(
        "demo",
        help="fake Lavalink nodes, players, a node killed, failover shown (no Discord, no Java)",
        description=(
            "Start fake Lavalink nodes on 127.0.0.1, connect a pool, play tracks in "
            "several guilds, kill one node and watch its players fail over."
        ),
    )
    demo.add_argument("--nodes", type=int, default=3, choices=range(1, 7), metavar="N",
                      help="number of fake nodes, 1-6 (default 3: US, EU, Asia)")
    demo.add_argument("--players", type=int, default=6, metavar="N", help="number of players (default 6)")
    demo.add_argument("--no-kill", action="store_true", help="do not kill a node (no failover)")
    demo.add_argument("--duration", type=_positive(float), default=None, metavar="S",
                      help="approximate run time in seconds (default 20)")
    demo.add_argument("--fast", action="store_true", help="run in about 3 seconds (for tests)")
    demo.add_argument("--speed", type=_positive(float), default=None, metavar="X",
                      help="playback clock multiplier of the fake nodes (default 6)")
    demo.add_argument("--no-colour", "--no-color", dest="no_colour", action="store_true",
                      help="never use colour (default: colour on a terminal)")
    demo.add_argument("-v", "--verbose", action="store_true", help="show voltricx log messages")

    check = commands.add_parser(
        "check",
        help="diagnose one Lavalink node step by step",
        description=(
            "Check a Lavalink node step by step (URI, DNS, TCP, TLS, HTTP, password, "
            "websocket, ready, info, route planner, search). Exit code 0 only when the "
            "node is usable."
        ),
    )
    check.add_argument("uri", help="the node's address, e.g. http://localhost:2333")
    check.add_argument("--password", default=None,
                       help="the node's password (default: $LAVALINK_PASSWORD); never printed")
    check.add_argument("--query", default=None, help="run a test search, e.g. 'ytsearch:never gonna'")
    check.add_argument("--user-id", type=int, default=None, metavar="N",
                       help="bot user id sent on the websocket (default: a placeholder)")
    check.add_argument("--timeout", type=_positive(float), default=5.0, metavar="S",
                       help="seconds allowed for each step (default 5)")
    check.add_argument("--insecure", action="store_true",
                       help="do not verify the TLS certificate (testing self-signed nodes)")
    check.add_argument("--no-colour", "--no-color", dest="no_colour", action="store_true",
                       help="never use colour (default: colour on a terminal)")
    store = commands.add_parser(
        "store",
        help="look at a RedisStore: owners, leases, fencing tokens, players per shard",
        description="Read-only views of a voltricx RedisStore.",
    )
    store_commands = store.add_subparsers(dest="store_command", metavar="ACTION", required=True)
    inspect = store_commands.add_parser(
        "inspect", help="owners, leases, fencing tokens and player counts per shard (writes nothing)"
    )
    inspect.add_argument("url", help="the Redis URL, e.g. redis://localhost:6379/0")
    inspect.add_argument("--prefix", default="voltricx", help="the store's key prefix (default voltricx)")
    inspect.add_argument("--shard-count", type=int, default=None, metavar="N",
                         help="count players per shard for N shards (default: from the stored tokens)")
    inspect.add_argument("--no-colour", "--no-color", dest="no_colour", action="store_true",
                         help="never use colour (default: colour on a terminal)")
    return parser


def _console(stdout: TextIO | None, no_colour: bool) -> Console:
    colour = False if no_colour or os.environ.get("NO_COLOR") else None
    return Console(stdout, colour=colour)


def main(argv: Sequence[str] | None = None, *, stdout: TextIO | None = None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); return the exit code."""
    parser = build_parser()
    namespace = argparse.Namespace(_stdout=stdout)
    try:
        args = parser.parse_args(list(argv) if argv is not None else None, namespace=namespace)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    command: str | None = args.command
    if command is None:
        parser.print_help(stdout)
        return 2
    console = _console(stdout, bool(args.no_colour))
    if command == "demo":
        from voltricx.cli.demo import DemoOptions, run_demo

        options = DemoOptions.from_args(args)
        with _logging(bool(args.verbose)):
            return _run(run_demo(options, console))
    if command == "store":
        from voltricx.cli.store import inspect_store

        with _logging(False):
            return _run(inspect_store(args.url, args.prefix, args.shard_count, console))
    from voltricx.cli.check import CheckOptions, run_check

    password = args.password if args.password is not None else os.environ.get("LAVALINK_PASSWORD", "")
    check_options = CheckOptions(
        uri=args.uri,
        password=password,
        query=args.query,
        user_id=args.user_id,
        timeout=float(args.timeout),
        insecure=bool(args.insecure),
    )
    with _logging(False):
        return _run(run_check(check_options, console))


@contextlib.contextmanager
def _logging(verbose: bool) -> Generator[None]:
    """Quiet voltricx logs below ERROR (or show INFO with ``verbose``), restored afterwards."""
    logger = logging.getLogger("voltricx")
    level = logger.level
    handler: logging.Handler | None = None
    if verbose:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    elif level == logging.NOTSET:
        # Expected warnings (a node killed on purpose) would only clutter the screen.
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)
        if handler is not None:
            logger.removeHandler(handler)


def _run(coro: Coroutine[Any, Any, int]) -> int:
    try:
        return asyncio.run(coro)
    except KeyboardInterrupt:
        return 130
