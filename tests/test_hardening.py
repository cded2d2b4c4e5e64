"""Hardening: every bad argument is refused early with a typed error, numbers from a node are bounded.

Covers NodeConfig's refusals (values that could never work are refused
before anything connects), typed argument errors that are also the
built-in ``ValueError``/``TypeError``, snowflakes, the penalty bounds for
any stats input, a failing ``Pool.connect`` leaving the pool untouched,
the error tree's docstring and the deprecated ``get_*`` network names.
"""

from __future__ import annotations

import inspect
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import voltricx
from voltricx import errors
from voltricx.models.node import Cpu, FrameStats, Stats
from voltricx.plugins import sponsorblock
from voltricx.selection import DISCONNECTED_PENALTY, stats_penalty
from voltricx.testing.voice import FakeVoiceGateway

from .conftest import PASSWORD, FakeFactory, node_config

GUILD = 300000000000000000
CHANNEL = 400000000000000001


def _config(**overrides: Any) -> voltricx.NodeConfig:
    values: dict[str, Any] = {"identifier": "N", "uri": "http://127.0.0.1:2333", "password": PASSWORD}
    values.update(overrides)
    return voltricx.NodeConfig(**values)


# --------------------------------------------------------------------------- NodeConfig


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"password": "pass\r\nX-Evil: 1"}, "control character"),
        ({"password": "pass\n"}, "control character"),
        ({"client_name": "bot/1.0\r\nX: y"}, "control character"),
        ({"identifier": "a\nb"}, "control character"),
        ({"uri": "http://bob:s3cr3t@127.0.0.1:2333"}, "credentials"),
        ({"uri": "http://bob:s3cr3t@127.0.0.1:99x"}, "port"),
        ({"uri": "http://127.0.0.1:notaport"}, "port"),
        ({"uri": "http://127.0.0.1:99999"}, "port"),
        ({"uri": "http://127.0.0.1:0"}, "port 0"),
        ({"uri": "http://127.0.0.1:2333?x=1"}, "query string"),
        ({"uri": "http://127.0.0.1:2333#frag"}, "query string"),
        ({"uri": "http://127.0.0.1:2333/a b"}, "spaces"),
        ({"request_timeout": 0}, "request_timeout"),
        ({"request_timeout": -1}, "request_timeout"),
        ({"stall_timeout": 0}, "stall_timeout"),
        ({"connect_timeout": 0}, "connect_timeout"),
        ({"connect_timeout": math.nan}, "finite"),
        ({"request_timeout": math.inf}, "finite"),
        ({"stats_interval": 0}, "stats_interval"),
        ({"heartbeat": -1}, "heartbeat"),
        ({"inactive_timeout": math.nan}, "finite"),
        ({"retry_base": 0}, "retry_base"),
        ({"retry_base": 2.0, "retry_cap": 1.0}, "retry_cap"),
    ],
)
def test_node_config_refuses_values_that_can_never_work(overrides: dict[str, Any], words: str) -> None:
    with pytest.raises(voltricx.InvalidArgument, match=words) as info:
        _config(**overrides)
    assert isinstance(info.value, ValueError)
    # The message never shows a password, neither the configured one nor one inside the URI.
    text = str(info.value)
    assert "pass\r" not in text and "s3cr3t" not in text and PASSWORD not in text


@pytest.mark.parametrize(
    "overrides",
    [{"password": 123}, {"uri": None}, {"request_timeout": "10"}, {"resume": "yes"}, {"ssl": "on"}, {"heartbeat": True}],
)
def test_node_config_refuses_wrong_types(overrides: dict[str, Any]) -> None:
    with pytest.raises(voltricx.WrongTypeError) as info:
        _config(**overrides)
    assert isinstance(info.value, TypeError)


def test_node_config_still_takes_every_value_that_works() -> None:
    config = _config(
        uri="https://lava.example:443/prefix/",
        heartbeat=0,
        resume_grace=0,
        resume_timeout=0,
        stall_timeout=None,
        inactive_timeout=None,
        client_name="MyBot/2.0",
        password="",
    )
    assert config.rest_uri == "https://lava.example:443/prefix"
    assert _config(uri="http://[::1]:2333").websocket_uri == "ws://[::1]:2333/v4/websocket"


# --------------------------------------------------------------------------- arguments


@pytest.mark.parametrize("guild_id", [0, -1, 2**64, 2**70, "abc", "", "12/../34", "0", "\uff11\uff12"])
async def test_player_refuses_what_is_not_a_snowflake(
    guild_id: Any, fake_factory: FakeFactory, gateway: FakeVoiceGateway
) -> None:
    fake = await fake_factory()
    await voltricx.Pool.connect(client=gateway, nodes=[node_config(fake, "A")], report=False)
    with pytest.raises(voltricx.InvalidArgument):
        voltricx.Player(guild_id)
    with pytest.raises(voltricx.InvalidArgument):
        voltricx.Pool.get_player(guild_id)
    assert fake.players == [] and voltricx.Pool.players() == {}


@pytest.mark.parametrize("guild_id", [1, 2**63, 2**64 - 1, "18446744073709551615"])
async def test_player_takes_every_snowflake(guild_id: Any, fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    fake = await fake_factory()
    await voltricx.Pool.connect(client=gateway, nodes=[node_config(fake, "A")], report=False)
    player = voltricx.Player(guild_id)
    assert player.guild_id == int(guild_id)
    assert voltricx.Pool.get_player(str(guild_id)) is None  # not connected yet: not registered


def test_player_refuses_a_wrongly_typed_id() -> None:
    with pytest.raises(voltricx.WrongTypeError):
        voltricx.Player(1.5)  # pyright: ignore[reportArgumentType]
    with pytest.raises(voltricx.WrongTypeError):
        voltricx.Player(True)


async def test_player_commands_refuse_bad_arguments_with_typed_errors(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway
) -> None:
    fake = await fake_factory()
    await voltricx.Pool.connect(client=gateway, nodes=[node_config(fake, "A")], report=False)
    tracks = await voltricx.search.fetch_tracks("hardening arguments")
    assert isinstance(tracks, list)
    player = voltricx.Player(GUILD)
    await player.connect(CHANNEL)
    await player.play(tracks[0])
    before = len(fake.requests)
    bad: list[tuple[Any, type[Exception]]] = [
        (lambda: player.seek(math.nan), ValueError),
        (lambda: player.seek(math.inf), ValueError),
        (lambda: player.seek("5"), TypeError),
        (lambda: player.set_volume("50"), TypeError),
        (lambda: player.set_volume(None), TypeError),
        (lambda: player.play(tracks[0], start="5"), TypeError),
        (lambda: player.play(tracks[0], end=math.nan), ValueError),
        (lambda: player.play(tracks[0], volume="9"), TypeError),
        (lambda: voltricx.search.fetch_tracks(""), ValueError),
        (lambda: voltricx.search.fetch_tracks("   "), ValueError),
        (lambda: voltricx.search.fetch_tracks(None), TypeError),
    ]
    for call, builtin in bad:
        with pytest.raises(voltricx.VoltricxError) as info:
            await call()
        assert isinstance(info.value, builtin), (info.value, builtin)
    with pytest.raises(voltricx.InvalidArgument):
        await player.move_to(0)
    with pytest.raises(voltricx.InvalidArgument) as info:
        player.autoplay = "bogus"  # pyright: ignore[reportAttributeAccessIssue]
    assert "enabled" in str(info.value)
    assert len(fake.requests) == before  # nothing bad reached the node
    with pytest.raises(voltricx.InvalidArgument):
        await voltricx.Player(GUILD + 5).connect("general")  # pyright: ignore[reportArgumentType]
    assert voltricx.Pool.get_player(GUILD + 5) is None
    player.autoplay = "enabled"  # pyright: ignore[reportAttributeAccessIssue]
    assert player.autoplay is voltricx.AutoPlayMode.ENABLED


def test_library_argument_errors_are_typed() -> None:
    queue = voltricx.Queue()
    with pytest.raises(voltricx.WrongTypeError):
        queue.put("a string")  # pyright: ignore[reportArgumentType]
    with pytest.raises(voltricx.InvalidArgument):
        voltricx.Queue(history_limit=-1)
    with pytest.raises(voltricx.InvalidIndex) as info:
        queue.delete(3)
    assert isinstance(info.value, IndexError)
    with pytest.raises(voltricx.WrongTypeError):
        voltricx.Pool()
    with pytest.raises(voltricx.InvalidArgument):
        voltricx.RedisStore(prefix="")


# --------------------------------------------------------------------------- penalties

_NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(2**63), max_value=2**64),
    st.sampled_from([1000.0, 1e308, -5.0, 10**18, 2**63 - 1]),
)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(load=_NUMBERS, deficit=_NUMBERS, nulled=_NUMBERS, playing=_NUMBERS, frames=st.booleans())
def test_penalty_is_finite_non_negative_and_capped_for_any_stats(
    load: Any, deficit: Any, nulled: Any, playing: Any, frames: bool
) -> None:
    stats = Stats(
        playing_players=playing,
        cpu=Cpu(system_load=load),
        frame_stats=FrameStats(deficit=deficit, nulled=nulled) if frames else None,
    )
    penalty = stats_penalty(stats)
    assert math.isfinite(penalty) and 0.0 <= penalty <= DISCONNECTED_PENALTY


def test_penalty_keeps_the_seed_formulas_for_sane_stats() -> None:
    stats = Stats(playing_players=4, cpu=Cpu(system_load=0.5), frame_stats=FrameStats(deficit=300, nulled=30))
    expected = 4 * 1.5 + (1.05 ** 50 * 10 - 10) + (1.03 ** 50 * 300 - 300) + (1.03 ** 5 * 300 - 300) * 2
    assert stats_penalty(stats) == pytest.approx(expected)
    assert stats_penalty(Stats(cpu=Cpu(system_load=-5))) == 0.0


async def test_absurd_stats_frames_leave_node_choice_and_failover_working(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway
) -> None:
    hostile, good = await fake_factory(), await fake_factory()
    await voltricx.Pool.connect(
        client=gateway, nodes=[node_config(hostile, "H"), node_config(good, "G")], report=False
    )
    h = voltricx.Pool.get_node("H")
    tracks = await voltricx.search.fetch_tracks("absurd stats")
    assert isinstance(tracks, list)
    player = voltricx.Player(GUILD, node=h)
    await player.connect(CHANNEL)
    await player.play(tracks[0])
    for load, frames in [(1000.0, 0), (1e308, 0), (-5.0, 0), (0.1, 10**18)]:
        hostile.set_stats(system_load=load, deficit=frames, nulled=frames)
        await hostile.push_stats()

        def arrived(event: voltricx.events.NodeStats, load: float = load) -> bool:
            return event.node is h and event.stats.cpu.system_load == load

        await gateway.wait_for(voltricx.events.NodeStats, arrived, timeout=10)
        assert math.isfinite(h.penalty) and 0 <= h.penalty <= DISCONNECTED_PENALTY
        assert voltricx.Pool.get_node() in (h, voltricx.Pool.get_node("G"))
        voltricx.Player(GUILD + 1)  # choosing a node for a new player works
        await voltricx.search.fetch_tracks("absurd stats", cache=False)
    hostile.kill()
    await gateway.wait_for(voltricx.events.Failover, lambda e: player in e.players, timeout=20)
    assert player.node.identifier == "G" and good.player(GUILD) is not None


# --------------------------------------------------------------------------- Pool.connect


async def test_a_failing_connect_leaves_the_pool_as_it_was(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway, tmp_path: Path
) -> None:
    fake = await fake_factory()
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    store = voltricx.SQLiteStore(blocker / "players.db")
    # A store that cannot be read never stops the pool (issue 17): it connects and plays,
    # and the store is tried again in the background.
    nodes = await voltricx.Pool.connect(client=gateway, nodes=[node_config(fake, "A")], store=store, report=False)
    assert nodes["A"].status is voltricx.NodeStatus.CONNECTED
    with pytest.raises(voltricx.StoreError, match="not been readable"):
        await voltricx.Pool.save()
    await voltricx.Pool.close()
    # Nothing is left registered: the same client connects right away.
    nodes = await voltricx.Pool.connect(client=gateway, nodes=[node_config(fake, "A")], report=False)
    assert nodes["A"].status is voltricx.NodeStatus.CONNECTED


# --------------------------------------------------------------------------- the error tree


def _public_exceptions() -> set[type[BaseException]]:
    found: set[type[BaseException]] = set()
    modules = [voltricx, errors, voltricx.store, voltricx.plugins]
    for module in modules:
        for name in getattr(module, "__all__", []):
            value = getattr(module, name)
            if inspect.isclass(value) and issubclass(value, BaseException):
                found.add(value)
    return found


def test_every_public_exception_is_in_the_tree_and_its_docstring() -> None:
    doc = errors.__doc__ or ""
    exported = set(voltricx.__all__)
    for exc in _public_exceptions():
        assert issubclass(exc, voltricx.VoltricxError), exc
        assert exc.__name__ in doc, f"{exc.__name__} is missing from the errors docstring"
        assert exc.__name__ in exported, f"{exc.__name__} is not exported from voltricx"
        assert exc.__module__ == "voltricx.errors", f"{exc.__name__} lives outside voltricx.errors"
    assert voltricx.store.StoreError is voltricx.StoreError
    assert voltricx.plugins.PluginNotAvailable is voltricx.PluginNotAvailable


async def test_network_methods_are_fetch_and_old_names_warn(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway
) -> None:
    fake = await fake_factory()
    await voltricx.Pool.connect(client=gateway, nodes=[node_config(fake, "A")], report=False)
    node = voltricx.Pool.get_node("A")
    session = node.require_session()
    assert await node.rest.fetch_players(session) == []
    with pytest.warns(DeprecationWarning, match="fetch_players"):
        assert await node.rest.get_players(session) == []
    with pytest.warns(DeprecationWarning, match="fetch_player"), pytest.raises(voltricx.LavalinkHTTPError):
        await node.rest.get_player(session, GUILD)
    assert sponsorblock.get_categories is not sponsorblock.fetch_categories
    assert "fetch_categories" in sponsorblock.__all__


async def test_timeouts_given_to_the_pool_and_players_are_checked(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway
) -> None:
    fake = await fake_factory()
    for timeout in (0, -1, math.nan, "5"):
        with pytest.raises(voltricx.InvalidArgument):
            await voltricx.Pool.connect(client=gateway, nodes=[node_config(fake, "A")], timeout=timeout, report=False)  # pyright: ignore[reportArgumentType]
    assert voltricx.Pool.nodes() == {}
    await voltricx.Pool.connect(client=gateway, nodes=[node_config(fake, "A")], report=False)
    player = voltricx.Player(GUILD)
    with pytest.raises(voltricx.WrongTypeError):
        player.inactive_timeout = "30"  # pyright: ignore[reportAttributeAccessIssue]
    with pytest.raises(voltricx.InvalidArgument):
        player.inactive_timeout = math.nan
    player.inactive_timeout = 30
    assert player.inactive_timeout == 30
