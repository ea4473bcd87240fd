"""Route-walker samples of the dashboard area (found by dangjian/core/tests/test_routes.py):
the checklist of a pipeline in branch C and the registers of branch C, which the branch-A
secretary must not see and the group's committee administrator may."""

from datetime import date

from dangjian.development.services import pipeline_start
from dangjian.members.services import person_create
from dangjian.members.tests.conftest import id_number


def _pipeline_in_c(tree, personas) -> dict:
    birth = date(1997, 4, 12)
    person = person_create(
        actor=None, name="冯申请", sex="F", birth_date=birth, branch=tree.branch_c,
        stage="employee", id_number=id_number(birth, "F", seq=811),
    )  # fmt: skip
    pipeline = pipeline_start(actor=None, person=person, applied_on=date(2025, 3, 1))
    return {"pk": pipeline.pk}


def _register_of_c(tree, personas) -> dict:
    return {"pk": tree.branch_c.pk, "kind": "activists"}


SAMPLES = {
    "development:checklist": (_pipeline_in_c, "committee_admin"),
    "development:register": (_register_of_c, "committee_admin"),
}
