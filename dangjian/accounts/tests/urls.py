"""Test URLconf: the site plus the accounts API under /api/v1/ (wired by dangjian.api in
the full site; included here so these tests do not depend on that file)."""

from django.urls import include, path

from dangjian.urls import urlpatterns as site_urlpatterns

urlpatterns = [path("api/v1/", include("dangjian.accounts.api")), *site_urlpatterns]
