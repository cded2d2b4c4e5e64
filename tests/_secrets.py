"""Secrets everywhere: the password must not appear in any exception chain or log record.

:func:`watch_secrets` (an autouse fixture in ``conftest``) collects, for
every test, each log record any logger produces and each voltricx error
a test caught with ``pytest.raises`` (aiohttp's own errors, caught by
tests that drive aiohttp directly, carry the headers by design); after the
test, it walks every
exception's whole chain (``__cause__``, ``__context__``, ``args``, its
attributes and its ``repr``) and every record's message, arguments and
traceback, and fails the test when a watched password shows up.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterator
from typing import Any

import pytest

from voltricx.errors import VoltricxError

__all__ = ["PASSWORD", "SecretWatch", "chain", "leaks", "secret_watch"]

#: The password every test node uses (``conftest.PASSWORD``): it must show nowhere.
PASSWORD = "youshallnotpass"


def chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and every exception linked from it (cause, context, group members), once each."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        for linked in (current.__cause__, current.__context__):
            if linked is not None:
                todo.append(linked)
        if isinstance(current, BaseExceptionGroup):
            todo.extend(current.exceptions)  # pyright: ignore[reportUnknownMemberType, reportUnknownArgumentType]


def _texts(exc: BaseException) -> Iterator[str]:
    yield str(exc)
    yield repr(exc)
    yield repr(exc.args)
    for value in vars(exc).values():
        yield repr(value)


def leaks(exc: BaseException, secret: str) -> list[str]:
    """Where ``secret`` shows in ``exc``'s chain (empty when nowhere)."""
    found: list[str] = []
    for linked in chain(exc):
        for text in _texts(linked):
            if secret in text:
                found.append(f"{type(linked).__name__}: ...{text[max(0, text.find(secret) - 60):][:120]}...")
                break
    return found


class SecretWatch(logging.Handler):
    """Collects log records and caught exceptions of one test."""

    def __init__(self, secrets: tuple[str, ...]) -> None:
        super().__init__(logging.NOTSET)
        self.secrets = secrets
        self.records: list[logging.LogRecord] = []
        self.exceptions: list[BaseException] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def problems(self) -> list[str]:
        found: list[str] = []
        for record in self.records:
            texts = [record.getMessage(), repr(record.args)]
            if record.exc_info and record.exc_info[1] is not None and record.name.startswith("voltricx"):
                exc = record.exc_info[1]
                texts.append("".join(traceback.format_exception(exc)))
                self.exceptions.append(exc)
            for secret in self.secrets:
                if any(secret in text for text in texts):
                    found.append(f"log record {record.name}:{record.lineno} shows the password")
        for exc in self.exceptions:
            for secret in self.secrets:
                found.extend(leaks(exc, secret))
        return found


class _RecordingRaises:
    """``pytest.raises`` that also hands the caught exception to the watch."""

    def __init__(self, watch: SecretWatch, inner: Any) -> None:
        self._watch = watch
        self._inner = inner
        self._info: Any = None

    def __enter__(self) -> Any:
        self._info = self._inner.__enter__()
        return self._info

    def __exit__(self, *exc: Any) -> Any:
        result = self._inner.__exit__(*exc)
        if isinstance(exc[1], VoltricxError):
            self._watch.exceptions.append(exc[1])
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def install(watch: SecretWatch, monkeypatch: pytest.MonkeyPatch) -> None:
    """Route ``pytest.raises`` and every log record of the test through ``watch``."""
    real = pytest.raises

    def raises(*args: Any, **kwargs: Any) -> Any:
        outcome = real(*args, **kwargs)
        if len(args) > 1:  # the callable form returns an ExceptionInfo directly
            if isinstance(outcome.value, VoltricxError):
                watch.exceptions.append(outcome.value)
            return outcome
        return _RecordingRaises(watch, outcome)

    monkeypatch.setattr(pytest, "raises", raises)


_WATCH = pytest.StashKey[tuple[SecretWatch, pytest.MonkeyPatch]]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Any:
    """Start watching before any fixture of the test is set up."""
    watch = SecretWatch((PASSWORD,))
    patch = pytest.MonkeyPatch()
    logging.getLogger().addHandler(watch)
    install(watch, patch)
    item.stash[_WATCH] = (watch, patch)
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    """After every fixture was torn down (Pool.close included): check what was seen."""
    try:
        return (yield)
    finally:
        entry = item.stash.get(_WATCH, None)
        if entry is not None:
            del item.stash[_WATCH]
            watch, patch = entry
            logging.getLogger().removeHandler(watch)
            patch.undo()
            problems = watch.problems()
            if problems:
                pytest.fail("the password leaked:\n" + "\n".join(problems[:10]), pytrace=False)


@pytest.fixture
def secret_watch(request: pytest.FixtureRequest) -> SecretWatch:
    """The running test's watch (add secrets to ``secrets`` to watch them too)."""
    return request.node.stash[_WATCH][0]
