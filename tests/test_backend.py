"""Backend discovery: unknown names and backends that cannot run here are clear errors."""
import pytest

from tracegraph.backend import Backend, backend_names, get_backend


class _Unavailable(Backend):
    name = "unavailable"

    def is_available(self):
        return False


def test_an_unknown_backend_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="unknown backend 'nope'") as raised:
        get_backend("nope")
    assert all(name in str(raised.value) for name in backend_names())


def test_a_backend_that_cannot_run_here_says_why():
    assert _Unavailable().unavailable_reason() is not None
    with pytest.raises(RuntimeError, match="'unavailable' is not available on this machine: .+"):
        get_backend(_Unavailable())


def test_an_available_backend_has_no_reason_against_it():
    assert get_backend("numpy").unavailable_reason() is None
