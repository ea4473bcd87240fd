"""Route-walker samples of the compliance area (found by dangjian/core/tests/test_routes.py):
the calendar of branch C, which the branch-A secretary must not see and the group's committee
administrator may."""


def _branch_c(tree, personas) -> dict:
    return {"pk": tree.branch_c.pk}


SAMPLES = {
    "orglife:calendar": (_branch_c, "committee_admin"),
}
