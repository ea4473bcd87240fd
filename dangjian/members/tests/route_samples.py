"""Route-walker samples of the member-records pages (merged into core/tests/test_routes.py).

Each names an object in branch C (the other company), which the branch-A secretary must not
see, and a persona who may. `Sample` mirrors test_routes.Sample (same fields), defined here so
that test_routes can import this module without a circular import.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from dangjian.core.crypto import lookup_hash
from dangjian.members.models import Person
from dangjian.members.record_services import post_add
from dangjian.members.services import person_create
from dangjian.members.tests.conftest import id_number


@dataclass(frozen=True)
class Sample:
    kwargs: Callable
    seer: str = "committee_admin"


def _person_c(tree, personas):
    """The same person for every sample of a test (samples are made once per function)."""
    birth = date(1980, 2, 3)
    number = id_number(birth, "M", region="110101", seq=901)
    existing = Person.objects.filter(id_number_hash=lookup_hash(number)).first()
    if existing is not None:
        return existing
    return person_create(
        actor=None, name="变电员", sex="M", birth_date=birth,
        id_number=number, branch=tree.branch_c,
        stage="full", join_date=date(2005, 7, 1), full_member_date=date(2006, 7, 1),
        phone="13600000000",
    )  # fmt: skip


def _person(tree, personas) -> dict:
    return {"pk": _person_c(tree, personas).pk}


def _reveal(tree, personas) -> dict:
    return {"pk": _person_c(tree, personas).pk, "field": "phone"}


def _record_set(tree, personas) -> dict:
    return {"pk": _person_c(tree, personas).pk, "kind": "posts"}


def _post(tree, personas) -> dict:
    post = post_add(actor=None, person=_person_c(tree, personas), organization="变电站",
                    post="站长", start=date(2015, 1, 1))  # fmt: skip
    return {"kind": "posts", "pk": post.pk}


SAMPLES = {
    "members:person_detail": Sample(_person),
    "members:person_edit": Sample(_person),
    "members:person_stage": Sample(_person),
    "members:person_reveal": Sample(_reveal),
    "members:record_add": Sample(_record_set),
    "members:record_edit": Sample(_post),
    "members:record_delete": Sample(_post),
}
