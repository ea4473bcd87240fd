import pytest

from dangjian.core.testing import build_org_tree, build_personas


@pytest.fixture
def tree(db):
    return build_org_tree()


@pytest.fixture
def personas(tree):
    return build_personas(tree)
