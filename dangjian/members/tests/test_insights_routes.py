"""The route walker's promises for this area's routes, also with export and bad parameters."""

import pytest
from django.test import Client
from django.urls import reverse

from dangjian.core.testing import Personas, login_as
from dangjian.members.tests.route_samples_insights import SAMPLES

ROUTES = ["members:statistics", "members:quality", *SAMPLES]


def _client(user):
    client = Client(raise_request_exception=False)
    if user is not None:
        login_as(client, user)
    return client


def _url(name, tree, personas):
    kwargs = SAMPLES[name][0](tree, personas) if name in SAMPLES else {}
    return reverse(name, kwargs=kwargs)


@pytest.mark.parametrize("persona", [None, *Personas.__dataclass_fields__])
def test_no_500_and_anonymous_goes_to_login(tree, personas, persona):
    user = getattr(personas, persona) if persona else None
    for name in ROUTES:
        url = _url(name, tree, personas)
        for suffix in ("", "?export=xlsx", "?org=999999&as_of=x"):
            response = _client(user).get(url + suffix)
            assert response.status_code < 500, (url + suffix, persona)
            if user is None:
                assert response.status_code == 302 and "/login" in response["Location"]


def test_samples_are_hidden_from_secretary_a_and_seen_by_their_seer(tree, personas):
    for name, (_kwargs, seer) in SAMPLES.items():
        url = _url(name, tree, personas)
        assert _client(personas.secretary_a).get(url).status_code == 404
        assert _client(getattr(personas, seer)).get(url).status_code == 200
