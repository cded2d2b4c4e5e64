"""The metrics voltricx is held to. Importing this module registers them.

Add a metric by writing one function decorated with :func:`bench.core.metric`
that returns a :class:`bench.core.Measurement` (use
:func:`bench.core.time_calls` for "ours vs baselines" timings).
"""

from __future__ import annotations

import json

import orjson

from bench.core import Measurement, RunConfig, Target, metric, time_calls
from bench.naive import naive_decode
from bench.payloads import encoded_tracks, playlist_body, search_body
from voltricx.codec import decode
from voltricx.models import PlaylistResult, SearchResult, decode_load_result

__all__ = ["codec_decode_10k", "parse_playlist_1000", "parse_search_10"]


@metric(
    "parse.playlist_1000",
    description="1000-track playlist loadtracks body -> voltricx objects "
    "(baselines only parse to dicts)",
    target=Target.max_ratio(1.2, "orjson"),
)
def parse_playlist_1000(config: RunConfig) -> Measurement:
    """Decode a 1000-track playlist response into a PlaylistResult."""
    body = playlist_body(1000)
    result = decode_load_result(body)
    if not isinstance(result, PlaylistResult) or len(result.data.tracks) != 1000:
        raise AssertionError("playlist payload did not decode to 1000 tracks")
    return time_calls(
        config,
        ours=lambda: decode_load_result(body),
        baselines={"json": lambda: json.loads(body), "orjson": lambda: orjson.loads(body)},
        notes={"body_bytes": len(body)},
    )


@metric(
    "parse.search_10",
    description="10-track search loadtracks body -> voltricx objects "
    "(baselines only parse to dicts)",
    target=Target.max_ratio(1.2, "orjson"),
)
def parse_search_10(config: RunConfig) -> Measurement:
    """Decode a 10-track search response into a SearchResult."""
    body = search_body(10)
    result = decode_load_result(body)
    if not isinstance(result, SearchResult) or len(result.data) != 10:
        raise AssertionError("search payload did not decode to 10 tracks")
    return time_calls(
        config,
        ours=lambda: decode_load_result(body),
        baselines={"json": lambda: json.loads(body), "orjson": lambda: orjson.loads(body)},
        notes={"body_bytes": len(body)},
    )


@metric(
    "codec.decode_10k",
    description="decode 10,000 distinct encoded tracks locally "
    "(baseline: char-by-char pure-Python struct decoder)",
    target=Target.min_speedup(3.0, "naive"),
)
def codec_decode_10k(config: RunConfig) -> Measurement:
    """Decode 10,000 encoded tracks with voltricx.codec and with the naive decoder."""
    tracks = encoded_tracks(10_000)
    # Both decoders must agree before their speed means anything.
    check = tracks if not config.quick else tracks[:500]
    for encoded in check:
        if decode(encoded) != naive_decode(encoded):
            raise AssertionError(f"decoders disagree on {encoded}")
    non_ascii = sum(1 for t in tracks if not decode(t).title.isascii())

    def ours() -> None:
        for encoded in tracks:
            decode(encoded)

    def naive() -> None:
        for encoded in tracks:
            naive_decode(encoded)

    return time_calls(
        config,
        ours=ours,
        baselines={"naive": naive},
        notes={"tracks": len(tracks), "non_ascii_titles": non_ascii},
    )
