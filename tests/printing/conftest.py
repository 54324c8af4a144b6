import os

import pytest


@pytest.fixture(autouse=True, scope="session")
def _escpos_cache_in_a_temporary_folder(tmp_path_factory):
    """python-escpos's capabilities pickle goes to a test folder, not the user's cache."""
    if "ESCPOS_CAPABILITIES_PICKLE_DIR" not in os.environ:
        os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"] = str(tmp_path_factory.mktemp("escpos"))
    yield
