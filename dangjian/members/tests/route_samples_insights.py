"""Route-walker samples of the statistics and data-quality pages (found by
dangjian/core/tests/test_routes.py): the data-quality list of branch C, which the branch-A
secretary must not see and the group's committee administrator may. (kwargs, seer) tuples."""


def _quality_check_branch_c(tree, personas) -> dict:
    return {"pk": tree.branch_c.pk, "check": "stale"}


SAMPLES = {
    "members:quality_check": (_quality_check_branch_c, "committee_admin"),
}
