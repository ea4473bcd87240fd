from datetime import date

import pytest
from django.core.exceptions import ValidationError

from dangjian.audit.models import AuditEvent
from dangjian.core.crypto import lookup_hash
from dangjian.members.models import Person
from dangjian.members.services import person_reveal, person_update
from dangjian.members.tests.conftest import id_number


def test_created_person_gets_search_keys_and_encrypted_id(make_person):
    person = make_person(name="单田芳")
    assert (person.name_pinyin, person.name_initials) == ("shantianfang", "stf")
    assert Person.objects.get(id_number_hash=lookup_hash(person.id_number)) == person
    event = AuditEvent.objects.get(action="members.create")
    assert person.id_number not in str(event.changes)
    assert "*" in event.changes["id_number"]


def test_birth_date_and_sex_must_agree_with_the_id_number(make_person):
    with pytest.raises(ValidationError) as exc:
        make_person(id_number=id_number(date(1990, 1, 1), "F"))
    assert set(exc.value.message_dict) == {"birth_date", "sex"}


def test_full_member_date_must_be_the_end_of_probation(make_person):
    with pytest.raises(ValidationError) as exc:
        make_person(join_date=date(2010, 7, 1), full_member_date=date(2011, 8, 1))
    assert "2011-07-01" in exc.value.message_dict["full_member_date"][0]


def test_applicants_must_be_eighteen_on_the_application_date(make_person):
    with pytest.raises(ValidationError) as exc:
        make_person(
            birth_date=date(2005, 3, 10),
            stage="applicant",
            join_date=None,
            full_member_date=None,
            application_date=date(2023, 3, 9),
        )
    assert "18" in exc.value.message_dict["application_date"][0]


def test_an_active_id_number_cannot_be_used_twice(make_person):
    first = make_person()
    with pytest.raises(ValidationError) as exc:
        make_person(id_number=first.id_number)
    assert "id_number" in exc.value.message_dict


def test_a_person_belongs_to_a_branch_not_a_committee(make_person, tree):
    with pytest.raises(ValidationError) as exc:
        make_person(branch=tree.company)
    assert "branch" in exc.value.message_dict


def test_stage_changes_are_kept_as_dated_history(make_person, personas):
    person = make_person(
        stage="employee", join_date=None, full_member_date=None, on=date(2026, 1, 5)
    )
    person_update(
        actor=personas.secretary_a,
        person=person,
        stage="applicant",
        application_date=date(2026, 3, 1),
        on=date(2026, 3, 1),
    )
    history = list(person.stage_changes.values_list("from_stage", "to_stage"))
    assert history == [("", "employee"), ("employee", "applicant")]


def test_secretary_cannot_edit_another_branch(make_person, personas, tree):
    person = make_person(branch=tree.branch_b)
    from django.http import Http404

    with pytest.raises(Http404):
        person_update(actor=personas.secretary_a, person=person, job="采煤工")


def test_unmasking_needs_view_sensitive_and_is_audited(make_person, personas):
    person = make_person()
    assert (
        person_reveal(actor=personas.secretary_a, person=person, field="id_number")
        == person.id_number
    )
    assert AuditEvent.objects.filter(
        action="members.unmask", actor_id=personas.secretary_a.pk
    ).exists()
    from django.http import Http404

    with pytest.raises(Http404):
        person_reveal(actor=personas.member_a, person=person, field="id_number")
