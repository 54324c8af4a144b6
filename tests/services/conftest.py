import pytest

from .support import make_till


@pytest.fixture
def till(tmp_path):
    return make_till(tmp_path)


@pytest.fixture
def cashier(till):
    return till.login("S002", "1357")


@pytest.fixture
def manager(till):
    return till.login("S001", "2468")


@pytest.fixture
def shift(till, cashier):
    from pos_member.services.shifts import open_shift

    return open_shift(till.ctx, cashier, 50000)
