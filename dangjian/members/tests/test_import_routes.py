"""The import routes' walker samples hold: branch A's secretary gets 404, the seer does not."""

import pytest
from django.urls import reverse

from dangjian.core.testing import login_as
from dangjian.members.tests.route_samples_import import SAMPLES


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_sample_is_hidden_from_branch_a_and_visible_to_its_seer(client, tree, personas, name):
    url = reverse(name, kwargs=SAMPLES[name](tree, personas))
    login_as(client, personas.secretary_a)
    assert client.get(url).status_code == 404
    login_as(client, personas.committee_admin)
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("persona", ["member_a", "outsider", "audit_admin"])
def test_non_managers_do_not_get_the_upload_page(client, personas, persona):
    login_as(client, getattr(personas, persona))
    assert client.get(reverse("members:import_start")).status_code == 404
    assert client.get(reverse("members:import_template_csv")).status_code == 404
