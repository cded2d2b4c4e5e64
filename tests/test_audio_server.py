"""The audio server of the real-server lane, checked here so the lane never runs untested code."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import wave
from io import BytesIO
from pathlib import Path

import aiohttp
import pytest

from ._audio_server import Served, serve_http1, serve_http2_tls, tone_wav


def test_tone_is_a_wav_of_the_asked_length() -> None:
    with wave.open(BytesIO(tone_wav(2.5))) as wav:
        assert (wav.getnchannels(), wav.getframerate(), wav.getnframes()) == (2, 48_000, 120_000)


async def test_http1_serves_ranges() -> None:
    audio, served = tone_wav(1.0), Served()
    url, stop = await serve_http1(audio, served)
    try:
        async with aiohttp.ClientSession() as http:
            async with http.head(url) as r:
                assert r.status == 200 and r.content_type == "audio/x-wav"
            async with http.get(url, headers={"Range": "bytes=100-199"}) as r:
                assert r.status == 206 and await r.read() == audio[100:200]
    finally:
        await stop()
    assert [v for _, _, v in served.requests] == ["1.1", "1.1"]


def curl_speaks_http2() -> bool:
    curl = shutil.which("curl")
    if curl is None:
        return False
    return "HTTP2" in subprocess.run([curl, "--version"], capture_output=True, text=True, check=False).stdout


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    return cert, key


@pytest.mark.skipif(shutil.which("openssl") is None or not curl_speaks_http2(), reason="needs openssl and an HTTP/2 curl")
async def test_http2_over_tls(certificate: tuple[Path, Path]) -> None:
    pytest.importorskip("hypercorn")
    cert, key = certificate
    audio, served = tone_wav(1.0), Served()
    url, stop = await serve_http2_tls(audio, served, cert, key)
    try:
        proc = await asyncio.create_subprocess_exec(
            "curl", "-sS", "--http2", "--cacert", str(cert), "-r", "0-99", "-o", "-", "-w", "%{http_version}", url,
            stdout=asyncio.subprocess.PIPE,
        )
        out, _ = await asyncio.wait_for(proc.communicate(), 30)
    finally:
        await stop()
    assert out[:100] == audio[:100] and out[100:] == b"2"
    assert served.requests == [("GET", "/tone.wav", "2")]
