"""Route-walker samples of the statistics and data-quality pages (merged into
dangjian/core/tests/test_routes.py ROUTE_SAMPLES): the data-quality list of branch C,
which the branch-A secretary must not see and the group's committee administrator may."""

from dangjian.core.tests.test_routes import Sample


def _quality_check_branch_c(tree, personas) -> dict:
    return {"pk": tree.branch_c.pk, "check": "stale"}


SAMPLES = {
    "members:quality_check": Sample(_quality_check_branch_c),
}
