"""NodeConfig validation, derived addresses and the password's absence from reprs."""

from __future__ import annotations

import pytest

import voltricx


def make(**overrides: object) -> voltricx.NodeConfig:
    values: dict[str, object] = {"identifier": "US", "uri": "http://us.node:2333", "password": "hunter2-secret"}
    values.update(overrides)
    return voltricx.NodeConfig(**values)  # type: ignore[arg-type]


def test_repr_never_shows_the_password() -> None:
    assert "hunter2-secret" not in repr(make())


def test_websocket_uri_follows_the_scheme() -> None:
    assert make().websocket_uri == "ws://us.node:2333/v4/websocket"
    assert make(uri="https://us.node").websocket_uri == "wss://us.node/v4/websocket"


def test_proxy_prefix_is_kept() -> None:
    assert make(uri="https://host/lavalink/").websocket_uri == "wss://host/lavalink/v4/websocket"


@pytest.mark.parametrize("uri", ["ws://host:2333", "host:2333", "ftp://host"])
def test_bad_scheme_is_refused_with_a_hint(uri: str) -> None:
    with pytest.raises(voltricx.VoltricxError, match="http:// or https://"):
        make(uri=uri)


@pytest.mark.parametrize("uri", ["http://host:2333/v4", "http://host:2333/v4/websocket"])
def test_api_path_in_uri_is_refused(uri: str) -> None:
    with pytest.raises(voltricx.VoltricxError, match="server root"):
        make(uri=uri)


def test_silence_limit_is_two_stats_intervals_plus_margin() -> None:
    assert make(stats_interval=1.0).silence_limit == 7.0
    assert make(stall_timeout=2.5).silence_limit == 2.5
