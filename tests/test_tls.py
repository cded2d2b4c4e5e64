"""TLS: ``https``/``wss`` verify certificates by default; ``NodeConfig(ssl=False)`` opts out.

A self-signed certificate for 127.0.0.1 is made with the ``openssl`` CLI and
served by FakeLavalink's ``ssl_context``.
"""

from __future__ import annotations

import io
import shutil
import ssl
import subprocess
from pathlib import Path

import pytest

import voltricx
from voltricx import NodeStatus
from voltricx.testing.voice import FakeVoiceGateway

from .conftest import FakeFactory, node_config

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="the openssl CLI is not installed")

SECRET = "tls-secret-password"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-keyout", str(key), "-out", str(cert),
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    return cert, key


def server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*map(str, certificate))
    return context


async def connect(gateway: FakeVoiceGateway, config: voltricx.NodeConfig) -> list[str]:
    out = io.StringIO()
    await voltricx.Pool.connect(client=gateway, nodes=[config], report_stream=out)
    return out.getvalue().splitlines()


async def test_self_signed_certificate_is_rejected_by_default(
    fake_factory: FakeFactory,
    gateway: FakeVoiceGateway,
    certificate: tuple[Path, Path],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("DEBUG", logger="voltricx")
    fake = await fake_factory(ssl_context=server_context(certificate), password=SECRET)
    assert fake.uri.startswith("https://")
    lines = await connect(gateway, node_config(fake, "TLS", password=SECRET, retry_base=5.0, retry_cap=10.0))
    assert lines[1] == f"[FAILED] TLS {fake.uri} region=none (TLS certificate rejected)"
    node = voltricx.Pool.get_node("TLS")
    assert node.status is not NodeStatus.CONNECTED
    # The REST client refuses too, with an error that says what to do.
    with pytest.raises(voltricx.NodeError, match="certificate") as info:
        await node.fetch_info()
    # The TLS handshake failed before any HTTP request reached the server.
    assert not fake.requests
    assert all(SECRET not in text for text in (caplog.text, str(info.value), repr(node), repr(node.config)))


async def test_ssl_false_opts_out_of_verification(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway, certificate: tuple[Path, Path]
) -> None:
    fake = await fake_factory(ssl_context=server_context(certificate))
    lines = await connect(gateway, node_config(fake, "TLS", ssl=False))
    assert lines[1] == f"[CONNECTED] TLS {fake.uri} region=none"
    node = voltricx.Pool.get_node("TLS")
    assert (await node.fetch_info()).version.semver == fake.version
    upgrade = [r for r in fake.requests if r.websocket]
    assert upgrade and node.config.websocket_uri.startswith("wss://")


async def test_a_context_that_trusts_the_certificate_verifies_it(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway, certificate: tuple[Path, Path]
) -> None:
    fake = await fake_factory(ssl_context=server_context(certificate))
    trusting = ssl.create_default_context(cafile=str(certificate[0]))
    lines = await connect(gateway, node_config(fake, "TLS", ssl=trusting))
    assert lines[1] == f"[CONNECTED] TLS {fake.uri} region=none"
    assert trusting.verify_mode is ssl.CERT_REQUIRED
