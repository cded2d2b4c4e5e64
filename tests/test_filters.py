"""Specification of voltricx.filters.Filters."""

from __future__ import annotations

import copy
import math
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st
from msgspec import UNSET

from voltricx.errors import FilterError
from voltricx.filters import FILTER_NAMES, MAX_TIMESCALE, Filters
from voltricx.models.filters import (
    ChannelMix,
    Distortion,
    Equalizer,
    FiltersPayload,
    Karaoke,
    LowPass,
    Rotation,
    Timescale,
    Tremolo,
    Vibrato,
)


def encode(payload: FiltersPayload) -> bytes:
    return msgspec.json.encode(payload)


# -- empty set -------------------------------------------------------------------


def test_new_filters_have_nothing_enabled() -> None:
    filters = Filters()
    assert filters.enabled == []
    assert filters.volume is None


def test_empty_filters_encode_to_empty_object() -> None:
    assert encode(Filters().to_payload()) == b"{}"


# -- volume ----------------------------------------------------------------------


def test_volume_is_set_and_sent() -> None:
    filters = Filters()
    filters.volume = 1.5
    assert filters.to_payload().volume == 1.5


@pytest.mark.parametrize("value", [0.0, 5.0, 1])
def test_volume_accepts_its_range(value: float) -> None:
    filters = Filters()
    filters.volume = value
    assert filters.volume == float(value)


@pytest.mark.parametrize("value", [-0.01, 5.01, math.nan, math.inf])
def test_volume_outside_range_raises_filter_error(value: float) -> None:
    filters = Filters()
    with pytest.raises(FilterError):
        filters.volume = value


def test_volume_none_turns_it_off() -> None:
    filters = Filters()
    filters.volume = 2.0
    filters.volume = None
    assert filters.to_payload().volume is UNSET


# -- error messages -----------------------------------------------------------------


def test_filter_error_names_filter_field_value_and_range() -> None:
    with pytest.raises(FilterError) as caught:
        Filters().timescale.set(speed=12.5)
    message = str(caught.value)
    assert "timescale.speed" in message
    assert "12.5" in message
    assert f"0.0 < speed <= {MAX_TIMESCALE}" in message


def test_filter_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        Filters().vibrato.set(depth=2)


def test_non_number_value_raises_filter_error() -> None:
    with pytest.raises(FilterError, match="must be a number"):
        Filters().timescale.set(speed="fast")  # type: ignore[arg-type]


def test_boolean_value_raises_filter_error() -> None:
    with pytest.raises(FilterError):
        Filters().karaoke.set(level=True)


def test_failed_set_changes_nothing() -> None:
    filters = Filters()
    filters.timescale.set(speed=1.1)
    with pytest.raises(FilterError):
        filters.timescale.set(speed=1.5, pitch=-1)
    assert filters.timescale.speed == 1.1
    assert filters.timescale.pitch is None


# -- per-filter ranges ----------------------------------------------------------------

VALID: list[tuple[str, dict[str, float]]] = [
    ("karaoke", {"level": 0.0, "mono_level": 1.0, "filter_band": 220.0, "filter_width": 0.0}),
    ("timescale", {"speed": 0.01, "pitch": MAX_TIMESCALE, "rate": 1.0}),
    ("tremolo", {"frequency": 0.01, "depth": 1.0}),
    ("vibrato", {"frequency": 14.0, "depth": 0.01}),
    ("rotation", {"rotation_hz": -0.5}),
    ("distortion", {"sin_offset": -3.0, "scale": 9.0, "tan_scale": 0.0}),
    ("channel_mix", {"left_to_left": 0.0, "left_to_right": 1.0, "right_to_left": 0.5}),
    ("low_pass", {"smoothing": 1.0}),
]

INVALID: list[tuple[str, str, float]] = [
    ("karaoke", "level", 1.1),
    ("karaoke", "mono_level", -0.1),
    ("karaoke", "filter_band", -1.0),
    ("karaoke", "filter_width", -1.0),
    ("timescale", "speed", 0.0),
    ("timescale", "pitch", -1.0),
    ("timescale", "rate", MAX_TIMESCALE + 0.1),
    ("tremolo", "frequency", 0.0),
    ("tremolo", "depth", 0.0),
    ("tremolo", "depth", 1.01),
    ("vibrato", "frequency", 0.0),
    ("vibrato", "frequency", 14.01),
    ("vibrato", "depth", 0.0),
    ("vibrato", "depth", 1.5),
    ("rotation", "rotation_hz", math.inf),
    ("distortion", "sin_scale", math.nan),
    ("channel_mix", "left_to_left", 1.01),
    ("channel_mix", "right_to_right", -0.01),
    ("low_pass", "smoothing", 0.99),
]


@pytest.mark.parametrize(("name", "fields"), VALID)
def test_each_filter_accepts_its_boundary_values(name: str, fields: dict[str, float]) -> None:
    builder = getattr(Filters(), name)
    builder.set(**fields)
    assert builder.enabled
    for field, value in fields.items():
        assert getattr(builder, field) == value


@pytest.mark.parametrize(("name", "field", "value"), INVALID)
def test_each_filter_rejects_values_outside_its_range(name: str, field: str, value: float) -> None:
    builder = getattr(Filters(), name)
    with pytest.raises(FilterError, match=rf"{name}\.{field}"):
        builder.set(**{field: value})
    assert not builder.enabled


@given(st.floats(allow_nan=False, allow_infinity=False).filter(lambda x: not 0.0 <= x <= 1.0))
def test_channel_mix_rejects_any_value_outside_zero_to_one(value: float) -> None:
    with pytest.raises(FilterError):
        Filters().channel_mix.set(left_to_right=value)


@given(st.floats(allow_nan=False).filter(lambda x: not 0.0 < x <= 14.0))
def test_vibrato_frequency_rejects_any_value_outside_its_range(value: float) -> None:
    with pytest.raises(FilterError):
        Filters().vibrato.set(frequency=value)


# -- set / reset semantics --------------------------------------------------------------


def test_set_changes_only_the_given_fields() -> None:
    filters = Filters()
    filters.timescale.set(speed=1.2)
    filters.timescale.set(pitch=1.1)
    assert filters.to_payload().timescale == Timescale(speed=1.2, pitch=1.1)


def test_set_returns_the_builder_for_chaining() -> None:
    filters = Filters()
    builder = filters.timescale.set(speed=1.2).set(rate=0.9)
    assert builder is filters.timescale
    assert filters.timescale.rate == 0.9


def test_resetting_one_filter_turns_only_it_off() -> None:
    filters = Filters.nightcore()
    filters.volume = 0.5
    filters.timescale.reset()
    assert filters.enabled == ["volume"]


def test_reset_turns_every_filter_off() -> None:
    filters = Filters.vaporwave()
    filters.volume = 0.5
    filters.plugin_filters.set("echo", {"delay": 1})
    filters.reset()
    assert filters.enabled == []
    assert filters == Filters()


# -- equalizer ---------------------------------------------------------------------------


def test_set_band_adds_a_band() -> None:
    filters = Filters()
    filters.equalizer.set_band(0, 0.25)
    assert filters.to_payload().equalizer == [Equalizer(band=0, gain=0.25)]


def test_set_band_replaces_a_band_in_place() -> None:
    eq = Filters().equalizer.set_band(3, 0.1).set_band(1, 0.2).set_band(3, 0.3)
    assert eq.to_wire() == [Equalizer(band=3, gain=0.3), Equalizer(band=1, gain=0.2)]


def test_set_bands_takes_a_mapping() -> None:
    eq = Filters().equalizer.set_bands({2: 0.1, 14: -0.25})
    assert eq.bands == {2: 0.1, 14: -0.25}


def test_set_bands_takes_a_sequence_from_band_zero() -> None:
    eq = Filters().equalizer.set_bands([0.1, 0.2])
    assert eq.bands == {0: 0.1, 1: 0.2}


def test_set_bands_is_all_or_nothing() -> None:
    eq = Filters().equalizer
    with pytest.raises(FilterError):
        eq.set_bands({0: 0.1, 1: 5.0})
    assert not eq.enabled


def test_gain_of_unset_band_is_zero() -> None:
    assert Filters().equalizer.gain(7) == 0.0


def test_reset_band_removes_it_from_the_payload() -> None:
    eq = Filters().equalizer.set_bands({0: 0.1, 1: 0.2}).reset_band(0)
    assert eq.to_wire() == [Equalizer(band=1, gain=0.2)]


@pytest.mark.parametrize("band", [-1, 15, True, 1.0])
def test_equalizer_band_outside_zero_to_fourteen_raises(band: Any) -> None:
    with pytest.raises(FilterError, match=r"equalizer\.band"):
        Filters().equalizer.set_band(band, 0.1)


@pytest.mark.parametrize("gain", [-0.26, 1.01, math.nan])
def test_equalizer_gain_outside_range_raises(gain: float) -> None:
    with pytest.raises(FilterError, match=r"equalizer\.gain"):
        Filters().equalizer.set_band(0, gain)


def test_equalizer_has_fifteen_band_frequencies() -> None:
    eq = Filters().equalizer
    assert eq.BAND_COUNT == len(eq.FREQUENCIES) == 15


# -- plugin filters -----------------------------------------------------------------------


def test_plugin_filter_is_sent_under_its_name() -> None:
    filters = Filters()
    filters.plugin_filters.set("echo", {"delay": 0.5})
    assert filters.to_payload().plugin_filters == {"echo": {"delay": 0.5}}


def test_plugin_filter_settings_are_copied() -> None:
    settings: dict[str, Any] = {"nested": {"a": 1}}
    filters = Filters()
    filters.plugin_filters.set("echo", settings)
    settings["nested"]["a"] = 2
    assert filters.plugin_filters.get("echo") == {"nested": {"a": 1}}


def test_plugin_filter_remove_turns_it_off() -> None:
    filters = Filters()
    filters.plugin_filters.set("echo", {}).remove("echo")
    assert "echo" not in filters.plugin_filters
    assert filters.to_payload().plugin_filters is UNSET


def test_plugin_filter_name_must_be_non_empty() -> None:
    with pytest.raises(FilterError):
        Filters().plugin_filters.set("", {})


def test_plugin_filter_settings_must_be_a_mapping() -> None:
    with pytest.raises(FilterError):
        Filters().plugin_filters.set("echo", [1, 2])  # type: ignore[arg-type]


# -- payload -----------------------------------------------------------------------------


def test_to_payload_omits_filters_that_are_off() -> None:
    filters = Filters()
    filters.tremolo.set(frequency=2.0)
    assert encode(filters.to_payload()) == b'{"tremolo":{"frequency":2.0}}'


def test_to_payload_uses_wire_names() -> None:
    filters = Filters()
    filters.channel_mix.set(left_to_right=0.5)
    filters.low_pass.set(smoothing=20)
    filters.karaoke.set(mono_level=1)
    assert msgspec.json.decode(encode(filters.to_payload())) == {
        "karaoke": {"monoLevel": 1.0},
        "channelMix": {"leftToRight": 0.5},
        "lowPass": {"smoothing": 20.0},
    }


def test_from_payload_reads_every_filter() -> None:
    payload = FiltersPayload(
        volume=0.9,
        equalizer=[Equalizer(band=1, gain=0.2)],
        karaoke=Karaoke(level=0.5),
        timescale=Timescale(pitch=1.3),
        tremolo=Tremolo(depth=0.4),
        vibrato=Vibrato(frequency=3.0),
        rotation=Rotation(rotation_hz=0.2),
        distortion=Distortion(cos_scale=2.0),
        channel_mix=ChannelMix(right_to_right=0.2),
        low_pass=LowPass(smoothing=5.0),
        plugin_filters={"echo": {"delay": 1}},
    )
    filters = Filters.from_payload(payload)
    assert filters.volume == 0.9
    assert filters.equalizer.gain(1) == 0.2
    assert filters.karaoke.level == 0.5
    assert filters.timescale.pitch == 1.3
    assert filters.tremolo.depth == 0.4
    assert filters.vibrato.frequency == 3.0
    assert filters.rotation.rotation_hz == 0.2
    assert filters.distortion.cos_scale == 2.0
    assert filters.channel_mix.right_to_right == 0.2
    assert filters.low_pass.smoothing == 5.0
    assert filters.plugin_filters.get("echo") == {"delay": 1}
    assert filters.enabled == [*FILTER_NAMES, "echo"]


def test_from_payload_validates_values() -> None:
    with pytest.raises(FilterError, match=r"timescale\.speed"):
        Filters.from_payload(FiltersPayload(timescale=Timescale(speed=0.0)))


def test_from_payload_of_empty_payload_is_empty_filters() -> None:
    assert Filters.from_payload(FiltersPayload()) == Filters()


def test_from_payload_drops_empty_filter_objects() -> None:
    filters = Filters.from_payload(FiltersPayload(timescale=Timescale(), equalizer=[]))
    assert filters.enabled == []


def test_payload_is_not_shared_with_the_filters() -> None:
    filters = Filters()
    filters.plugin_filters.set("echo", {"delay": 1})
    payload = filters.to_payload()
    assert isinstance(payload.plugin_filters, dict)
    payload.plugin_filters["echo"]["delay"] = 99
    assert filters.plugin_filters.get("echo") == {"delay": 1}


def _unit(low_open: bool = False) -> st.SearchStrategy[float]:
    return st.floats(0.0, 1.0, exclude_min=low_open)


def _finite() -> st.SearchStrategy[float]:
    return st.floats(-1e6, 1e6)


def _maybe(strategy: st.SearchStrategy[float]) -> st.SearchStrategy[Any]:
    return st.just(UNSET) | strategy


def _timescale_value() -> st.SearchStrategy[float]:
    return st.floats(0.0, MAX_TIMESCALE, exclude_min=True)


def _non_empty(struct: Any) -> bool:
    return any(value is not UNSET for value in msgspec.structs.astuple(struct))


def _equalizer() -> st.SearchStrategy[list[Equalizer]]:
    return st.lists(
        st.builds(Equalizer, band=st.integers(0, 14), gain=st.floats(-0.25, 1.0)),
        min_size=1,
        max_size=15,
        unique_by=lambda entry: entry.band,
    )


def _filter(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.just(UNSET) | strategy.filter(_non_empty)


payloads: st.SearchStrategy[FiltersPayload] = st.builds(
    FiltersPayload,
    volume=_maybe(st.floats(0.0, 5.0)),
    equalizer=st.just(UNSET) | _equalizer(),
    karaoke=_filter(
        st.builds(
            Karaoke,
            level=_maybe(_unit()),
            mono_level=_maybe(_unit()),
            filter_band=_maybe(st.floats(0.0, 20000.0)),
            filter_width=_maybe(st.floats(0.0, 1000.0)),
        )
    ),
    timescale=_filter(
        st.builds(
            Timescale,
            speed=_maybe(_timescale_value()),
            pitch=_maybe(_timescale_value()),
            rate=_maybe(_timescale_value()),
        )
    ),
    tremolo=_filter(
        st.builds(
            Tremolo,
            frequency=_maybe(st.floats(0.0, 1e4, exclude_min=True)),
            depth=_maybe(_unit(low_open=True)),
        )
    ),
    vibrato=_filter(
        st.builds(
            Vibrato,
            frequency=_maybe(st.floats(0.0, 14.0, exclude_min=True)),
            depth=_maybe(_unit(low_open=True)),
        )
    ),
    rotation=_filter(st.builds(Rotation, rotation_hz=_maybe(_finite()))),
    distortion=_filter(
        st.builds(
            Distortion,
            sin_offset=_maybe(_finite()),
            sin_scale=_maybe(_finite()),
            cos_offset=_maybe(_finite()),
            cos_scale=_maybe(_finite()),
            tan_offset=_maybe(_finite()),
            tan_scale=_maybe(_finite()),
            offset=_maybe(_finite()),
            scale=_maybe(_finite()),
        )
    ),
    channel_mix=_filter(
        st.builds(
            ChannelMix,
            left_to_left=_maybe(_unit()),
            left_to_right=_maybe(_unit()),
            right_to_left=_maybe(_unit()),
            right_to_right=_maybe(_unit()),
        )
    ),
    low_pass=_filter(st.builds(LowPass, smoothing=_maybe(st.floats(1.0, 1000.0)))),
    plugin_filters=st.just(UNSET)
    | st.dictionaries(
        st.text(min_size=1, max_size=8),
        st.dictionaries(st.text(max_size=5), st.integers() | st.text(max_size=5), max_size=3),
        min_size=1,
        max_size=3,
    ),
)


@given(payloads)
def test_payload_round_trip_is_identity(payload: FiltersPayload) -> None:
    assert Filters.from_payload(payload).to_payload() == payload


@given(payloads)
def test_json_round_trip_is_identity(payload: FiltersPayload) -> None:
    body = encode(payload)
    decoded = msgspec.json.decode(body, type=FiltersPayload)
    assert encode(Filters.from_payload(decoded).to_payload()) == body


@given(payloads)
def test_copy_equals_original(payload: FiltersPayload) -> None:
    filters = Filters.from_payload(payload)
    assert filters.copy() == filters


# -- equality, copy, repr -------------------------------------------------------------------


def test_equal_filters_compare_equal() -> None:
    assert Filters.nightcore() == Filters.nightcore()
    assert Filters.nightcore() != Filters.vaporwave()


def test_equality_ignores_equalizer_band_order() -> None:
    first, second = Filters(), Filters()
    first.equalizer.set_band(0, 0.1).set_band(1, 0.2)
    second.equalizer.set_band(1, 0.2).set_band(0, 0.1)
    assert first == second


def test_filters_are_not_equal_to_other_types() -> None:
    assert Filters() != {}


def test_copy_is_independent() -> None:
    original = Filters.nightcore()
    duplicate = original.copy()
    duplicate.timescale.set(speed=2.0)
    assert original.timescale.speed == 1.25


def test_copy_module_makes_independent_copies() -> None:
    original = Filters.nightcore()
    assert copy.copy(original) == original
    assert copy.deepcopy(original) is not original


def test_repr_shows_enabled_filters() -> None:
    filters = Filters.nightcore()
    filters.volume = 0.8
    text = repr(filters)
    assert "volume=0.8" in text
    assert "timescale(speed=1.25, pitch=1.25)" in text


def test_repr_of_empty_filters() -> None:
    assert repr(Filters()) == "<Filters (none)>"


def test_filters_have_slots() -> None:
    filters = Filters()
    assert not hasattr(filters, "__dict__")
    assert not hasattr(filters.timescale, "__dict__")
    assert not hasattr(filters.equalizer, "__dict__")


# -- enabled / unsupported ----------------------------------------------------------------------


def test_enabled_lists_wire_names_in_canonical_order() -> None:
    filters = Filters()
    filters.low_pass.set(smoothing=2)
    filters.channel_mix.set(left_to_left=1)
    filters.volume = 1.0
    assert filters.enabled == ["volume", "channelMix", "lowPass"]


def test_unsupported_names_enabled_filters_the_node_does_not_allow() -> None:
    filters = Filters.nightcore()
    filters.low_pass.set(smoothing=20)
    assert filters.unsupported(["volume", "timescale"]) == ["lowPass"]


def test_unsupported_is_empty_when_all_are_allowed() -> None:
    filters = Filters.vaporwave()
    assert filters.unsupported(FILTER_NAMES) == []


def test_unsupported_checks_plugin_filter_names() -> None:
    filters = Filters()
    filters.plugin_filters.set("echo", {})
    assert filters.unsupported([*FILTER_NAMES]) == ["echo"]
    assert filters.unsupported([*FILTER_NAMES, "echo"]) == []


# -- presets --------------------------------------------------------------------------------


def test_nightcore_preset_raises_speed_and_pitch() -> None:
    filters = Filters.nightcore()
    assert filters.to_payload() == FiltersPayload(timescale=Timescale(speed=1.25, pitch=1.25))


def test_vaporwave_preset_slows_lowers_and_adds_bass() -> None:
    filters = Filters.vaporwave()
    assert filters.timescale.speed is not None and filters.timescale.speed < 1
    assert filters.timescale.pitch is not None and filters.timescale.pitch < 1
    assert filters.equalizer.gain(0) > 0


def test_vocal_removal_preset_uses_karaoke() -> None:
    filters = Filters.vocal_removal()
    assert filters.enabled == ["karaoke"]
    assert filters.karaoke.level == 1.0


def test_eight_d_preset_rotates_gently() -> None:
    assert Filters.eight_d().to_payload() == FiltersPayload(rotation=Rotation(rotation_hz=0.2))


def test_bass_boost_preset_boosts_low_bands_tapering() -> None:
    gains = [Filters.bass_boost(0.5).equalizer.gain(band) for band in range(6)]
    assert gains[0] == 0.5
    assert gains == sorted(gains, reverse=True)
    assert gains[5] == 0.0


@pytest.mark.parametrize("level", [-0.1, 1.5])
def test_bass_boost_level_outside_zero_to_one_raises(level: float) -> None:
    with pytest.raises(FilterError, match=r"bass_boost\.level"):
        Filters.bass_boost(level)


def test_pulsate_preset_uses_tremolo() -> None:
    filters = Filters.pulsate()
    assert filters.to_payload() == FiltersPayload(tremolo=Tremolo(frequency=4.0, depth=0.5))


def test_soft_preset_uses_low_pass() -> None:
    assert Filters.soft().to_payload() == FiltersPayload(low_pass=LowPass(smoothing=20.0))


def test_presets_validate_their_arguments() -> None:
    with pytest.raises(FilterError):
        Filters.nightcore(speed=0)


def test_presets_return_new_instances() -> None:
    assert Filters.nightcore() is not Filters.nightcore()
