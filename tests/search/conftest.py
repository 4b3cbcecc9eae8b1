from tests.api.conftest import ApiClient  # noqa: F401
import pytest


@pytest.fixture
def rep_api(rep):
    return ApiClient(rep)
