"""Specification of voltricx.queue.Queue."""

from __future__ import annotations

import asyncio
from collections import deque

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from voltricx.enums import QueueMode
from voltricx.errors import QueueEmpty, VoltricxError
from voltricx.models.load import PlaylistData, PlaylistInfo
from voltricx.models.track import Track, TrackInfo
from voltricx.playlist import Playlist
from voltricx.queue import DEFAULT_HISTORY_LIMIT, Queue

WAIT = 2.0  # seconds; an upper bound for things that should happen at once


async def let_tasks_run() -> None:
    """One turn of the event loop: started tasks run up to their first await.

    Deterministic (no timing involved): it is how a test lets a freshly
    created task reach ``get_wait``'s wait before acting.
    """
    await asyncio.sleep(0)


def make_track(n: int) -> Track:
    return Track(
        encoded=f"enc-{n}",
        info=TrackInfo(
            identifier=f"id{n}",
            is_seekable=True,
            author="artist",
            length=1000,
            is_stream=False,
            position=0,
            title=f"song {n}",
            source_name="youtube",
        ),
    )


def tracks(*numbers: int) -> list[Track]:
    return [make_track(n) for n in numbers]


def drain(queue: Queue, times: int) -> list[Track]:
    return [queue.get() for _ in range(times)]


# -- errors ------------------------------------------------------------------


def test_queue_empty_is_a_voltricx_error_and_lookup_error() -> None:
    assert issubclass(QueueEmpty, VoltricxError)
    assert issubclass(QueueEmpty, LookupError)


# -- put ---------------------------------------------------------------------


def test_put_track_adds_one_and_returns_one() -> None:
    queue = Queue()
    assert queue.put(make_track(1)) == 1
    assert list(queue) == tracks(1)


def test_put_iterable_adds_all_in_order_and_returns_count() -> None:
    queue = Queue()
    assert queue.put(tracks(1, 2, 3)) == 3
    assert list(queue) == tracks(1, 2, 3)


def test_put_generator_adds_all() -> None:
    queue = Queue()
    assert queue.put(make_track(n) for n in range(4)) == 4
    assert len(queue) == 4


def test_put_playlist_adds_its_tracks() -> None:
    playlist = Playlist.from_data(
        PlaylistData(info=PlaylistInfo(name="p"), tracks=tracks(1, 2))
    )
    queue = Queue()
    assert queue.put(playlist) == 2
    assert list(queue) == tracks(1, 2)


def test_put_appends_after_existing_tracks() -> None:
    queue = Queue(tracks(1))
    queue.put(tracks(2, 3))
    assert list(queue) == tracks(1, 2, 3)


def test_put_rejects_non_tracks_and_adds_nothing() -> None:
    queue = Queue()
    with pytest.raises(TypeError):
        queue.put([make_track(1), "not a track"])  # type: ignore[list-item]
    assert len(queue) == 0


def test_put_rejects_a_string() -> None:
    with pytest.raises(TypeError):
        Queue().put("abc")  # type: ignore[arg-type]


def test_put_empty_iterable_returns_zero() -> None:
    assert Queue().put([]) == 0


def test_constructor_takes_initial_tracks() -> None:
    assert list(Queue(tracks(1, 2))) == tracks(1, 2)


def test_put_at_zero_makes_the_track_next() -> None:
    queue = Queue(tracks(1, 2))
    queue.put_at(0, make_track(9))
    assert queue.get() == make_track(9)


def test_put_at_inserts_before_index() -> None:
    queue = Queue(tracks(1, 2, 3))
    queue.put_at(1, make_track(9))
    assert list(queue) == tracks(1, 9, 2, 3)


def test_put_at_beyond_end_appends() -> None:
    queue = Queue(tracks(1))
    queue.put_at(10, make_track(9))
    assert list(queue) == tracks(1, 9)


def test_put_at_rejects_non_track() -> None:
    with pytest.raises(TypeError):
        Queue().put_at(0, "x")  # type: ignore[arg-type]


# -- get ---------------------------------------------------------------------


def test_get_returns_tracks_in_fifo_order() -> None:
    queue = Queue(tracks(1, 2, 3))
    assert drain(queue, 3) == tracks(1, 2, 3)


def test_get_on_empty_queue_raises_queue_empty() -> None:
    with pytest.raises(QueueEmpty):
        Queue().get()


def test_get_sets_current() -> None:
    queue = Queue(tracks(1, 2))
    queue.get()
    assert queue.current == make_track(1)


def test_current_is_none_before_first_get() -> None:
    assert Queue(tracks(1)).current is None


def test_get_on_exhausted_queue_clears_current() -> None:
    queue = Queue(tracks(1))
    queue.get()
    with pytest.raises(QueueEmpty):
        queue.get()
    assert queue.current is None


# -- history -----------------------------------------------------------------


def test_get_appends_the_track_to_history() -> None:
    queue = Queue(tracks(1, 2))
    drain(queue, 2)
    assert list(queue.history) == tracks(1, 2)


def test_history_last_entry_is_current() -> None:
    queue = Queue(tracks(1, 2))
    queue.get()
    assert queue.history[-1] is queue.current


def test_history_is_capped_at_history_limit() -> None:
    queue = Queue(tracks(*range(10)), history_limit=3)
    drain(queue, 10)
    assert list(queue.history) == tracks(7, 8, 9)


def test_history_limit_defaults_to_constant() -> None:
    assert Queue().history_limit == DEFAULT_HISTORY_LIMIT == 100


def test_history_limit_none_keeps_everything() -> None:
    queue = Queue(tracks(*range(150)), history_limit=None)
    drain(queue, 150)
    assert len(queue.history) == 150


def test_history_limit_zero_keeps_nothing() -> None:
    queue = Queue(tracks(1), history_limit=0)
    queue.get()
    assert len(queue.history) == 0


def test_lowering_history_limit_drops_oldest() -> None:
    queue = Queue(tracks(1, 2, 3))
    drain(queue, 3)
    queue.history_limit = 2
    assert list(queue.history) == tracks(2, 3)
    assert queue.history_limit == 2


def test_negative_history_limit_is_rejected() -> None:
    with pytest.raises(ValueError):
        Queue(history_limit=-1)


def test_mark_played_records_track_and_makes_it_current() -> None:
    queue = Queue()
    queue.mark_played(make_track(5))
    assert queue.current == make_track(5)
    assert list(queue.history) == tracks(5)


def test_mark_played_after_get_does_not_duplicate_history() -> None:
    queue = Queue(tracks(1))
    track = queue.get()
    queue.mark_played(track)
    assert list(queue.history) == tracks(1)


def test_history_append_is_capped() -> None:
    queue = Queue(history_limit=2)
    for track in tracks(1, 2, 3):
        queue.history.append(track)
    assert list(queue.history) == tracks(2, 3)


# -- loop modes ----------------------------------------------------------------


def test_mode_defaults_to_normal() -> None:
    assert Queue().mode is QueueMode.NORMAL


def test_mode_accepts_wire_string() -> None:
    queue = Queue()
    queue.mode = "loop"  # type: ignore[assignment]
    assert queue.mode is QueueMode.LOOP


def test_loop_mode_repeats_current_track() -> None:
    queue = Queue(tracks(1, 2))
    queue.get()
    queue.mode = QueueMode.LOOP
    assert drain(queue, 3) == tracks(1, 1, 1)
    assert list(queue) == tracks(2)


def test_loop_mode_without_current_takes_next() -> None:
    queue = Queue(tracks(1, 2), mode=QueueMode.LOOP)
    assert drain(queue, 2) == tracks(1, 1)


def test_loop_mode_repeat_does_not_grow_history() -> None:
    queue = Queue(tracks(1), mode=QueueMode.LOOP)
    drain(queue, 5)
    assert list(queue.history) == tracks(1)


def test_loop_mode_force_next_skips_to_next_track() -> None:
    queue = Queue(tracks(1, 2), mode=QueueMode.LOOP)
    queue.get()
    assert queue.get(force_next=True) == make_track(2)
    assert queue.get() == make_track(2)


def test_loop_mode_force_next_on_empty_raises() -> None:
    queue = Queue(tracks(1), mode=QueueMode.LOOP)
    queue.get()
    with pytest.raises(QueueEmpty):
        queue.get(force_next=True)


def test_loop_mode_repeats_a_track_marked_played() -> None:
    queue = Queue(tracks(1), mode=QueueMode.LOOP)
    queue.mark_played(make_track(7))
    assert queue.get() == make_track(7)


def test_loop_all_refills_in_play_order_when_exhausted() -> None:
    queue = Queue(tracks(1, 2, 3), mode=QueueMode.LOOP_ALL)
    assert drain(queue, 7) == tracks(1, 2, 3, 1, 2, 3, 1)


def test_loop_all_includes_current_when_switched_on() -> None:
    queue = Queue(tracks(1, 2, 3))
    queue.get()
    queue.mode = QueueMode.LOOP_ALL
    assert drain(queue, 5) == tracks(2, 3, 1, 2, 3)


def test_loop_all_excludes_tracks_played_before_current() -> None:
    queue = Queue(tracks(1, 2, 3))
    drain(queue, 2)
    queue.mode = QueueMode.LOOP_ALL
    assert drain(queue, 4) == tracks(3, 2, 3, 2)


def test_loop_all_includes_tracks_put_during_the_cycle() -> None:
    queue = Queue(tracks(1), mode=QueueMode.LOOP_ALL)
    queue.get()
    queue.put(make_track(2))
    assert drain(queue, 4) == tracks(2, 1, 2, 1)


def test_loop_all_with_nothing_played_raises_queue_empty() -> None:
    with pytest.raises(QueueEmpty):
        Queue(mode=QueueMode.LOOP_ALL).get()


def test_switching_off_loop_all_stops_refill() -> None:
    queue = Queue(tracks(1, 2), mode=QueueMode.LOOP_ALL)
    drain(queue, 2)
    queue.mode = QueueMode.NORMAL
    with pytest.raises(QueueEmpty):
        queue.get()


def test_loop_all_history_records_every_play() -> None:
    queue = Queue(tracks(1, 2), mode=QueueMode.LOOP_ALL)
    drain(queue, 4)
    assert list(queue.history) == tracks(1, 2, 1, 2)


@given(st.integers(min_value=1, max_value=20), st.integers(min_value=0, max_value=60))
def test_loop_all_cycles_through_tracks_in_order(size: int, extra: int) -> None:
    queue = Queue(tracks(*range(size)), mode=QueueMode.LOOP_ALL)
    got = drain(queue, size + extra)
    assert got == [make_track(i % size) for i in range(size + extra)]


# -- get_wait ------------------------------------------------------------------


async def test_get_wait_returns_at_once_when_not_empty() -> None:
    queue = Queue(tracks(1))
    assert await asyncio.wait_for(queue.get_wait(), WAIT) == make_track(1)


async def test_get_wait_waits_for_put() -> None:
    queue = Queue()
    waiter = asyncio.create_task(queue.get_wait())
    await let_tasks_run()
    assert not waiter.done()
    queue.put(make_track(1))
    assert await asyncio.wait_for(waiter, WAIT) == make_track(1)


async def test_get_wait_wakes_on_put_at() -> None:
    queue = Queue()
    waiter = asyncio.create_task(queue.get_wait())
    await let_tasks_run()
    queue.put_at(0, make_track(2))
    assert await asyncio.wait_for(waiter, WAIT) == make_track(2)


async def test_get_wait_is_cancellable_and_leaves_no_waiter() -> None:
    queue = Queue()
    waiter = asyncio.create_task(queue.get_wait())
    await let_tasks_run()
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    queue.put(make_track(1))
    assert list(queue) == tracks(1)


async def test_get_wait_with_two_waiters_hands_each_track_once() -> None:
    queue = Queue()
    first = asyncio.create_task(queue.get_wait())
    second = asyncio.create_task(queue.get_wait())
    await let_tasks_run()
    queue.put(make_track(1))
    done, pending = await asyncio.wait({first, second}, timeout=WAIT, return_when="FIRST_COMPLETED")
    assert [task.result() for task in done] == tracks(1)
    queue.put(make_track(2))
    results = await asyncio.wait_for(asyncio.gather(*pending), WAIT)
    assert results == tracks(2)


async def test_get_wait_cancelled_after_wakeup_loses_no_track() -> None:
    queue = Queue()
    waiter = asyncio.create_task(queue.get_wait())
    await let_tasks_run()
    queue.put(make_track(1))
    waiter.cancel()  # woken but cancelled before it ran
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert await asyncio.wait_for(queue.get_wait(), WAIT) == make_track(1)


async def test_get_wait_in_loop_mode_returns_current_without_waiting() -> None:
    queue = Queue(tracks(1), mode=QueueMode.LOOP)
    queue.get()
    assert await asyncio.wait_for(queue.get_wait(), WAIT) == make_track(1)


# -- editing -----------------------------------------------------------------


def test_remove_removes_the_first_equal_track_by_default_and_all_with_none() -> None:
    queue = Queue(tracks(1, 2, 1, 3, 1))
    assert queue.remove(make_track(1)) == 1  # wavelink's default count=1
    assert list(queue) == tracks(2, 1, 3, 1)
    assert queue.remove(make_track(1), None) == 2
    assert list(queue) == tracks(2, 3)


def test_remove_with_count_removes_first_occurrences() -> None:
    queue = Queue(tracks(1, 2, 1, 3, 1))
    assert queue.remove(make_track(1), count=2) == 2
    assert list(queue) == tracks(2, 3, 1)


def test_remove_missing_track_returns_zero() -> None:
    queue = Queue(tracks(1))
    assert queue.remove(make_track(9)) == 0
    assert list(queue) == tracks(1)


def test_remove_negative_count_is_rejected() -> None:
    with pytest.raises(ValueError):
        Queue(tracks(1)).remove(make_track(1), count=-1)


def test_delete_removes_and_returns_track_at_index() -> None:
    queue = Queue(tracks(1, 2, 3))
    assert queue.delete(1) == make_track(2)
    assert list(queue) == tracks(1, 3)


def test_delete_negative_index_counts_from_end() -> None:
    queue = Queue(tracks(1, 2, 3))
    assert queue.delete(-1) == make_track(3)


def test_delete_out_of_range_raises_index_error() -> None:
    with pytest.raises(IndexError):
        Queue(tracks(1)).delete(5)


def test_swap_exchanges_two_positions() -> None:
    queue = Queue(tracks(1, 2, 3))
    queue.swap(0, 2)
    assert list(queue) == tracks(3, 2, 1)


def test_swap_out_of_range_raises_index_error() -> None:
    with pytest.raises(IndexError):
        Queue(tracks(1)).swap(0, 3)


def test_shuffle_keeps_the_same_tracks() -> None:
    queue = Queue(tracks(*range(50)))
    queue.shuffle()
    assert sorted(queue, key=lambda t: int(t.identifier[2:])) == tracks(*range(50))


def test_shuffle_changes_order() -> None:
    queue = Queue(tracks(*range(50)))
    queue.shuffle()
    assert list(queue) != tracks(*range(50))  # 1 / 50! chance of a false failure


def test_clear_removes_upcoming_but_keeps_history_current_and_mode() -> None:
    queue = Queue(tracks(1, 2, 3), mode=QueueMode.LOOP)
    queue.get()
    queue.clear()
    assert len(queue) == 0
    assert list(queue.history) == tracks(1)
    assert queue.current == make_track(1)
    assert queue.mode is QueueMode.LOOP


def test_clear_in_loop_all_restarts_cycle_with_current() -> None:
    queue = Queue(tracks(1, 2, 3), mode=QueueMode.LOOP_ALL)
    drain(queue, 2)
    queue.clear()
    assert drain(queue, 2) == tracks(2, 2)


def test_reset_clears_everything_and_sets_normal_mode() -> None:
    queue = Queue(tracks(1, 2, 3), mode=QueueMode.LOOP_ALL)
    queue.get()
    queue.reset()
    assert len(queue) == 0
    assert len(queue.history) == 0
    assert queue.current is None
    assert queue.mode is QueueMode.NORMAL
    with pytest.raises(QueueEmpty):
        queue.get()


# -- container protocol --------------------------------------------------------


def test_len_counts_upcoming_tracks() -> None:
    queue = Queue(tracks(1, 2, 3))
    queue.get()
    assert len(queue) == 2


def test_bool_is_false_when_empty() -> None:
    assert not Queue()
    assert Queue(tracks(1))


def test_count_and_is_empty() -> None:
    queue = Queue(tracks(1, 2))
    assert queue.count == 2
    assert not queue.is_empty
    queue.clear()
    assert queue.count == 0
    assert queue.is_empty


def test_iteration_yields_upcoming_in_order() -> None:
    assert list(Queue(tracks(1, 2, 3))) == tracks(1, 2, 3)


def test_reversed_yields_upcoming_backwards() -> None:
    assert list(reversed(Queue(tracks(1, 2, 3)))) == tracks(3, 2, 1)


def test_index_returns_track() -> None:
    queue = Queue(tracks(1, 2, 3))
    assert queue[0] == make_track(1)
    assert queue[-1] == make_track(3)


def test_slice_returns_a_list() -> None:
    result = Queue(tracks(1, 2, 3, 4))[1:3]
    assert isinstance(result, list)
    assert result == tracks(2, 3)


def test_contains_compares_by_encoded() -> None:
    queue = Queue(tracks(1))
    assert make_track(1) in queue
    assert make_track(2) not in queue


def test_peek_returns_next_without_removing() -> None:
    queue = Queue(tracks(1, 2))
    assert queue.peek() == make_track(1)
    assert queue.peek(1) == make_track(2)
    assert len(queue) == 2


def test_peek_on_empty_raises_queue_empty() -> None:
    with pytest.raises(QueueEmpty):
        Queue().peek()


def test_peek_out_of_range_raises_index_error() -> None:
    with pytest.raises(IndexError):
        Queue(tracks(1)).peek(3)


def test_queue_has_slots() -> None:
    assert not hasattr(Queue(), "__dict__")


def test_repr_shows_mode_and_sizes() -> None:
    text = repr(Queue(tracks(1, 2)))
    assert "mode=normal" in text
    assert "upcoming=2" in text


# -- invariants under random operations -------------------------------------------


class QueueMachine(RuleBasedStateMachine):
    """Queue in normal mode against a plain-list model."""

    def __init__(self) -> None:
        super().__init__()
        self.queue = Queue(history_limit=5)
        self.model: list[Track] = []
        self.played: deque[Track] = deque(maxlen=5)
        self.current: Track | None = None

    @rule(numbers=st.lists(st.integers(0, 9), max_size=4))
    def put(self, numbers: list[int]) -> None:
        added = tracks(*numbers)
        assert self.queue.put(added) == len(added)
        self.model.extend(added)

    @rule(index=st.integers(-6, 6), number=st.integers(0, 9))
    def put_at(self, index: int, number: int) -> None:
        self.queue.put_at(index, make_track(number))
        self.model.insert(index, make_track(number))

    @rule()
    def get(self) -> None:
        if self.model:
            expected = self.model.pop(0)
            assert self.queue.get() == expected
            self.played.append(expected)
            self.current = expected
        else:
            with pytest.raises(QueueEmpty):
                self.queue.get()
            self.current = None

    @rule(number=st.integers(0, 9), count=st.none() | st.integers(0, 3))
    def remove(self, number: int, count: int | None) -> None:
        target = make_track(number)
        removed = self.queue.remove(target, count)
        limit = len(self.model) if count is None else count
        kept: list[Track] = []
        expected = 0
        for item in self.model:
            if expected < limit and item == target:
                expected += 1
            else:
                kept.append(item)
        self.model = kept
        assert removed == expected

    @precondition(lambda self: bool(self.model))
    @rule(data=st.data())
    def delete(self, data: st.DataObject) -> None:
        index = data.draw(st.integers(-len(self.model), len(self.model) - 1))
        assert self.queue.delete(index) == self.model.pop(index)

    @precondition(lambda self: bool(self.model))
    @rule(data=st.data())
    def swap(self, data: st.DataObject) -> None:
        i = data.draw(st.integers(0, len(self.model) - 1))
        j = data.draw(st.integers(0, len(self.model) - 1))
        self.queue.swap(i, j)
        self.model[i], self.model[j] = self.model[j], self.model[i]

    @rule()
    def shuffle(self) -> None:
        self.queue.shuffle()
        self.model = list(self.queue)  # order is random; contents checked below

    @rule()
    def clear(self) -> None:
        before = sorted(t.encoded for t in self.queue)
        assert before == sorted(t.encoded for t in self.model)
        self.queue.clear()
        self.model.clear()

    @invariant()
    def contents_match_model(self) -> None:
        assert list(self.queue) == self.model
        assert len(self.queue) == len(self.model) == self.queue.count
        assert bool(self.queue) == bool(self.model)

    @invariant()
    def history_is_the_last_played_tracks(self) -> None:
        assert list(self.queue.history) == list(self.played)
        assert len(self.queue.history) <= 5

    @invariant()
    def current_is_the_last_gotten(self) -> None:
        assert self.queue.current == self.current


QueueMachine.TestCase.settings = settings(max_examples=150, stateful_step_count=40)
test_queue_invariants_under_random_operations = QueueMachine.TestCase
