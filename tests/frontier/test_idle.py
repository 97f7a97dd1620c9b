"""Idle close decides on the whole crawl's state, not on one worker's."""
from __future__ import annotations

import pytest

from linkspider.frontier.idle import IdleCloseExtension

# (queued, leased, paused, at) -> finished?
SEQUENCES = {
    "empty-for-grace": ([(0, 0, False, 0.0), (0, 0, False, 1.9), (0, 0, False, 2.0)], [False, False, True]),
    "lease-elsewhere-resets": ([(0, 0, False, 0.0), (0, 1, False, 1.5), (0, 0, False, 2.5), (0, 0, False, 4.4),
                                (0, 0, False, 4.5)], [False, False, False, False, True]),
    "queued-work-resets": ([(0, 0, False, 0.0), (3, 0, False, 1.0), (0, 0, False, 2.0), (0, 0, False, 3.0)],
                           [False, False, False, False]),
    "paused-never-finishes": ([(0, 0, True, 0.0), (0, 0, True, 10.0)], [False, False]),
}


@pytest.mark.parametrize("name", sorted(SEQUENCES))
def test_is_finished_needs_a_quiet_grace_period(name):
    ext = IdleCloseExtension(grace_seconds=2.0)
    states, expected = SEQUENCES[name]
    got = [ext.is_finished(q, leased, paused, at) for q, leased, paused, at in states]
    assert got == expected
