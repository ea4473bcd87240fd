"""Route-walker samples of the development API (merged into dangjian/core/tests/test_routes.py):
a pipeline in branch C (the other company), which the secretary of branch A must not see and
the group committee administrator (the default seer) does."""

from datetime import date

from dangjian.development.services import pipeline_start
from dangjian.members.services import person_create
from dangjian.members.tests.conftest import id_number


def _pipeline_in_c(tree, personas) -> dict:
    birth = date(1997, 4, 12)
    person = person_create(
        actor=None, name="林申请", sex="M", birth_date=birth, branch=tree.branch_c,
        stage="employee", id_number=id_number(birth, "M", seq=811),
    )  # fmt: skip
    pipeline = pipeline_start(actor=None, person=person, applied_on=date(2026, 4, 1))
    return {"pk": pipeline.pk}


SAMPLES = {
    "development-pipeline-detail": _pipeline_in_c,
    "development-pipeline-steps": _pipeline_in_c,
    "development-pipeline-timeline": _pipeline_in_c,
}
