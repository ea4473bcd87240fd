"""Route-walker samples of the pipeline pages (merged into dangjian/core/tests/test_routes.py).

Each makes a pipeline of a person in branch C (the other company): the secretary of branch A
must get 404, the group committee administrator (the default seer) sees it. The person is a
probationary member in one of them, so the extension page has something to extend.
"""

from datetime import date

from dangjian.development.services import pipeline_start, step_record
from dangjian.development.tests.conftest import PLAN, step_kwargs
from dangjian.members.services import person_create
from dangjian.members.tests.conftest import id_number


def _person(tree, seq: int, name: str, stage: str = "employee", **fields):
    birth = date(1995, 8, 20)
    return person_create(
        actor=None, name=name, sex="F", birth_date=birth, branch=tree.branch_c, stage=stage,
        id_number=id_number(birth, "F", seq=seq), **fields,
    )  # fmt: skip


def _talked(tree, seq: int, name: str):
    """A pipeline in branch C with the application and the talk recorded; the talk's record."""
    pipeline = pipeline_start(
        actor=None, person=_person(tree, seq, name), applied_on=date(2026, 3, 2)
    )
    return step_record(actor=None, pipeline=pipeline, step="talk", on=date(2026, 3, 16))


def _applicant_in_c(tree, personas) -> dict:
    return {"pk": _talked(tree, 821, "何申请").pipeline_id}


def _talk_record_in_c(tree, personas) -> dict:
    return {"pk": _talked(tree, 822, "冯谈话").pk}


def _step_in_c(tree, personas) -> dict:
    return {"pk": _talked(tree, 826, "孔积极").pipeline_id, "step": "activist"}


def _probationary_in_c(tree, personas) -> dict:
    """Walked up to the oath by the system, with two full members of branch C as introducers."""
    members = [
        _person(tree, 823 + i, name, stage="full", join_date=date(2010, 7, 1),
                full_member_date=date(2011, 7, 1))
        for i, name in enumerate(("蒋介绍", "韩介绍"))
    ]  # fmt: skip
    person = _person(tree, 825, "曹预备")
    pipeline = pipeline_start(actor=None, person=person, applied_on=PLAN["application"])
    steps = [s for s in PLAN if s != "application"]
    for step in steps[: steps.index("oath") + 1]:
        kwargs = step_kwargs(step, tree, members)
        if "approving_org" in kwargs:
            kwargs["approving_org"] = tree.other_company
        step_record(actor=None, pipeline=pipeline, **kwargs)
    return {"pk": pipeline.pk}


SAMPLES = {
    "development:detail": _applicant_in_c,
    "development:step": _step_in_c,
    "development:undo": _talk_record_in_c,
    "development:attach": _talk_record_in_c,
    "development:extend": _probationary_in_c,
    "development:stop": _applicant_in_c,
}
