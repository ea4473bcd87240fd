import pytest
from django.test import override_settings

from dangjian.core.testing import build_org_tree, build_personas


@pytest.fixture(scope="session", autouse=True)
def _media_in_a_throwaway_folder(tmp_path_factory):
    """No test may write uploads into the real MEDIA_ROOT (var/media)."""
    with override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")):
        yield


@pytest.fixture
def tree(db):
    return build_org_tree()


@pytest.fixture
def personas(tree):
    return build_personas(tree)
