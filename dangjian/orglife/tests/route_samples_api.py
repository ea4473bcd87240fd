"""Route-walker samples of the organizational-life API (merged into
dangjian/core/tests/test_routes.py): the held and minuted general meeting of branch C that the
downloads use, which the secretary of branch A must not see and the group committee
administrator (the default seer) does."""

from dangjian.orglife.tests.route_samples_exports import held_in_c

SAMPLES = {
    f"orglife-activity-{name}": held_in_c
    for name in ("detail", "publish", "cancel", "hold", "reply", "signin", "attendance",
                 "minutes", "minutes-sign")
}  # fmt: skip
