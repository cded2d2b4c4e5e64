"""The real-server lane: the server-facing tests against a Lavalink or NodeLink you run.

Set ``VOLTRICX_TEST_NODE=http://127.0.0.1:2333`` and
``VOLTRICX_TEST_NODE_PASSWORD``, then ``make test-real`` (this module only).
The node must run on this machine: the tests serve their own audio and play
Discord's voice server on 127.0.0.1, and the node fetches and connects to
those. Optional: ``VOLTRICX_TEST_NODE2`` (+ ``_PASSWORD2``) for a second real
node, and ``VOLTRICX_TEST_TLS_CERT``/``VOLTRICX_TEST_TLS_KEY``, a certificate
for 127.0.0.1 that the node trusts, for the HTTPS/HTTP-2 audio URL and a
``wss://`` voice server. What the server does not offer (its ``/v4/info``) is
skipped, never failed. See docs/testing.md, "Running against your own Lavalink".
"""

from __future__ import annotations

import os
import ssl
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

import voltricx
from voltricx.events import Failover
from voltricx.models.load import ErrorResult, TrackResult
from voltricx.models.node import Info
from voltricx.models.track import Track
from voltricx.testing import FakeDiscordVoice, FakeLavalink
from voltricx.testing.voice import FakeVoiceGateway

from ._audio_server import Served, TcpProxy, serve_http1, serve_http2_tls, tone_wav

NODE = os.environ.get("VOLTRICX_TEST_NODE", "")
PASSWORD = os.environ.get("VOLTRICX_TEST_NODE_PASSWORD", "")
NODE2 = os.environ.get("VOLTRICX_TEST_NODE2", "")
PASSWORD2 = os.environ.get("VOLTRICX_TEST_NODE2_PASSWORD", PASSWORD)
CERT = os.environ.get("VOLTRICX_TEST_TLS_CERT", "")
KEY = os.environ.get("VOLTRICX_TEST_TLS_KEY", "")

if not NODE:
    pytest.skip(
        "real-server lane off: set VOLTRICX_TEST_NODE=http://host:port and VOLTRICX_TEST_NODE_PASSWORD, "
        "then run `make test-real` (docs/testing.md)",
        allow_module_level=True,
    )

pytestmark = pytest.mark.real_server

GUILD = 310000000000000000
CHANNEL = 410000000000000001
#: RTP packets that prove audio flows (50 per second of playback).
PACKETS = 25


def real_config(identifier: str = "REAL", uri: str = NODE, password: str = PASSWORD) -> voltricx.NodeConfig:
    return voltricx.NodeConfig(identifier=identifier, uri=uri, password=password, request_timeout=20.0)


@pytest.fixture
async def voice() -> AsyncIterator[FakeDiscordVoice]:
    context: ssl.SSLContext | None = None
    if CERT and KEY:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(CERT, KEY)
    async with FakeDiscordVoice(ssl_context=context) as server:
        yield server


@pytest.fixture
async def audio_url() -> AsyncIterator[tuple[str, Served]]:
    served = Served()
    url, stop = await serve_http1(tone_wav(30.0), served)
    yield url, served
    await stop()


async def connect(gateway: FakeVoiceGateway, *configs: voltricx.NodeConfig) -> dict[str, voltricx.Node]:
    return await voltricx.Pool.connect(client=gateway, nodes=list(configs), report=False, timeout=20.0)


async def info_of(node: voltricx.Node) -> Info:
    return await node.fetch_info()


def needs_http_source(info: Info) -> None:
    if "http" not in info.source_managers:
        pytest.skip(f"the node offers no http source (sources: {', '.join(info.source_managers) or 'none'})")


async def load_served(node: voltricx.Node, url: str) -> Track:
    result = await node.rest.load_tracks(url)
    if isinstance(result, ErrorResult) and "HTTP/2" in (result.data.message or ""):
        pytest.skip(f"the node's http source refuses HTTP/1.1 ({result.data.message}); NodeLink as shipped does")
    assert isinstance(result, TrackResult), result
    return result.data


async def test_node_connects_and_describes_itself() -> None:
    gateway = FakeVoiceGateway()
    nodes = await connect(gateway, real_config())
    node = nodes["REAL"]
    assert node.status is voltricx.NodeStatus.CONNECTED and node.session_id
    info = await info_of(node)
    assert info.version.semver
    stats = await node.fetch_stats()
    assert stats.players >= 0 and stats.cpu.cores >= 1
    assert await node.rest.version()
    # No route planner is a valid answer (None); NodeLink has no such route at all.
    status = await node.fetch_routeplanner_status()
    assert status is None or status.cls


async def test_search_of_a_url_served_over_http1(audio_url: tuple[str, Served]) -> None:
    url, served = audio_url
    nodes = await connect(FakeVoiceGateway(), real_config())
    needs_http_source(await info_of(nodes["REAL"]))
    track = await load_served(nodes["REAL"], url)
    assert track.uri == url and track.source_name == "http"
    assert served.requests and {v for _, _, v in served.requests} == {"1.1"}


async def test_search_of_a_url_served_over_http2_with_tls() -> None:
    if not (CERT and KEY):
        pytest.skip("set VOLTRICX_TEST_TLS_CERT/VOLTRICX_TEST_TLS_KEY (a 127.0.0.1 certificate the node trusts)")
    served = Served()
    url, stop = await serve_http2_tls(tone_wav(5.0), served, Path(CERT), Path(KEY))
    try:
        nodes = await connect(FakeVoiceGateway(), real_config())
        needs_http_source(await info_of(nodes["REAL"]))
        result = await nodes["REAL"].rest.load_tracks(url)
        assert isinstance(result, TrackResult), result
        assert served.requests, "the node never fetched the URL"
    finally:
        await stop()


async def test_player_audio_reaches_the_voice_server(voice: FakeDiscordVoice, audio_url: tuple[str, Served]) -> None:
    gateway = FakeVoiceGateway(endpoint=voice.endpoint)
    nodes = await connect(gateway, real_config())
    node = nodes["REAL"]
    needs_http_source(await info_of(node))
    track = await load_served(node, audio_url[0])
    player = voltricx.Player(GUILD, node=node)
    await player.connect(CHANNEL)
    await player.play(track)
    await voice.wait_for(lambda v: v.packets_received >= PACKETS, timeout=30)
    await player.pause(True)
    await player.set_volume(80)
    await player.seek(1000)
    await player.pause(False)
    before = voice.packets_received
    await voice.wait_for(lambda v: v.packets_received >= before + PACKETS, timeout=30)
    await player.destroy()


async def test_failover_from_a_fake_to_the_real_node_keeps_audio_flowing(
    voice: FakeDiscordVoice, audio_url: tuple[str, Served]
) -> None:
    async with FakeLavalink(password="fake-pass", voice_handshake=True, send_audio=True) as fake:
        gateway = FakeVoiceGateway(endpoint=voice.endpoint)
        fake_config = voltricx.NodeConfig(identifier="FAKE", uri=fake.uri, password="fake-pass", retry_base=0.05)
        nodes = await connect(gateway, fake_config, real_config())
        real = nodes["REAL"]
        needs_http_source(await info_of(real))
        track = await load_served(real, audio_url[0])  # the real node's own encoding
        player = voltricx.Player(GUILD + 1, node=nodes["FAKE"])
        await player.connect(CHANNEL)
        await player.play(track)
        await fake.wait_for(lambda f: (p := f.player(GUILD + 1)) is not None and p.connected)
        fake.kill()
        event = await gateway.wait_for(Failover, timeout=30)
        assert event.new_node is real and player.node is real
        before = voice.packets_received
        await voice.wait_for(lambda v: v.packets_received >= before + PACKETS, timeout=30)


async def test_failover_across_two_real_nodes(voice: FakeDiscordVoice, audio_url: tuple[str, Served]) -> None:
    """The first real node is reached through a loopback proxy; killing the proxy fails it over."""
    if not NODE2:
        pytest.skip("set VOLTRICX_TEST_NODE2 (and _PASSWORD2) for a second real node")
    first = urlsplit(NODE)
    proxy = await TcpProxy(first.hostname or "127.0.0.1", first.port or 2333).start()
    try:
        gateway = FakeVoiceGateway(endpoint=voice.endpoint)
        nodes = await connect(
            gateway,
            voltricx.NodeConfig(identifier="REAL1", uri=f"http://127.0.0.1:{proxy.port}", password=PASSWORD, retry_base=0.05),
            real_config("REAL2", NODE2, PASSWORD2),
        )
        one, two = nodes["REAL1"], nodes["REAL2"]
        needs_http_source(await info_of(one))
        needs_http_source(await info_of(two))
        player = voltricx.Player(GUILD + 2, node=one)
        await player.connect(CHANNEL)
        await player.play(await load_served(one, audio_url[0]))
        await voice.wait_for(lambda v: (c := v.connection(GUILD + 2)) is not None and c.packets >= PACKETS, timeout=30)
        proxy.kill()
        event = await gateway.wait_for(Failover, timeout=30)
        assert event.new_node is two and player.node is two
        # The second node opened its own voice connection, and its audio flows.
        await voice.wait_for(lambda v: len([c for c in v.connections if c.guild_id == str(GUILD + 2)]) >= 2, timeout=30)
        await voice.wait_for(lambda v: (c := v.connection(GUILD + 2)) is not None and c.packets >= PACKETS, timeout=30)
    finally:
        await proxy.close()
