"""The route samples of this area behave as the route walker expects (until they are merged)."""

import pytest
from django.test import Client
from django.urls import reverse

from dangjian.core.testing import login_as
from dangjian.members.tests.route_samples_requests import SAMPLES


def _client(user) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        login_as(client, user)
    return client


def _probe(client, url):
    response = client.get(url)
    return client.post(url) if response.status_code == 405 else response


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_secretary_of_branch_a_gets_404_and_the_seer_does_not(name, tree, personas):
    make, seer = SAMPLES[name]
    url = reverse(name, kwargs=make(tree, personas))
    assert _probe(_client(personas.secretary_a), url).status_code == 404
    status = _probe(_client(getattr(personas, seer)), url).status_code
    assert status != 404 and status < 500
    assert _client(None).get(url).status_code == 302


def test_no_route_of_this_area_answers_500_to_any_persona(tree, personas):
    urls = [reverse(name, kwargs=make(tree, personas)) for name, (make, _) in SAMPLES.items()]
    plain = ("me", "me_reveal", "me_correction_create", "correction_list", "campaign_list",
             "campaign_create")  # fmt: skip
    urls += [reverse(f"members:{name}") for name in plain]
    for user in personas.all().values():
        client = _client(user)
        for url in urls:
            assert client.get(url).status_code < 500, (user, url)
