"""collector_paused: the cyclic collector is off inside the block and back as it was after, whatever happens."""

from __future__ import annotations

import gc

import pytest

from procrisk.memory import collector_paused


def test_collector_is_off_inside_and_back_on_after_an_error():
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused():
        assert not gc.isenabled()
        raise RuntimeError
    assert gc.isenabled()


def test_collector_stays_off_after_when_it_was_off_before():
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
