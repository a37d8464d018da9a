"""Fixtures of the shared verifier suite: what the scenario's inventory asks for."""

import pytest
from stacklib import WEB_SERVER_GROUP, layout


@pytest.fixture(scope="module")
def hostvars(host):
    return host.ansible.get_variables()


@pytest.fixture(scope="module")
def pairing(hostvars):
    return hostvars.get("flaskstack_app_server", "gunicorn"), hostvars.get("flaskstack_web_server", "nginx")


@pytest.fixture(scope="module")
def raw_apps(hostvars):
    return hostvars["flaskstack_apps"]


@pytest.fixture(scope="module")
def apps(raw_apps, pairing):
    return layout.app_layouts(raw_apps, app_server=pairing[0], web_server=pairing[1])


@pytest.fixture(scope="module")
def web_group(pairing):
    return WEB_SERVER_GROUP[pairing[1]]
