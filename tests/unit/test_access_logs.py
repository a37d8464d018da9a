"""The access logs' settings (module_utils/access_logs.py)."""

from __future__ import annotations

import re

import pytest
from ansible_collections.flaskstack.deploy.plugins.module_utils import access_logs


def test_trusted_sources_are_normalised_networks():
    assert access_logs.trusted_sources(["10.0.0.0/8", "192.0.2.7", "2001:db8::1/64"]) == [
        "10.0.0.0/8", "192.0.2.7/32", "2001:db8::/64",
    ]  # fmt: skip
    assert access_logs.trusted_sources(None) == []


@pytest.mark.parametrize("bad", ["10.0.0.0/33", "proxy.example.com", ""])
def test_a_source_that_is_no_address_is_named(bad):
    with pytest.raises(ValueError, match=r"nginx_request_id_from: .* is not an IP address or network"):
        access_logs.trusted_sources(["10.0.0.1", bad], "nginx_request_id_from")


@pytest.mark.parametrize("good", ["3f1a9c2e7b", "req-1.2:3_4", "a" * 128])
def test_the_request_id_pattern_takes_plain_ids(good):
    assert re.fullmatch(access_logs.REQUEST_ID_PATTERN, good)


@pytest.mark.parametrize("bad", ["", "a" * 129, 'x"y', "x y", "x\ny", "é"])
def test_the_request_id_pattern_refuses_what_a_log_would_have_to_escape(bad):
    assert not re.fullmatch(access_logs.REQUEST_ID_PATTERN, bad)


def test_logrotate_reopens_the_files_of_its_own_web_server():
    rule = access_logs.logrotate("nginx", 14)
    assert rule.startswith("/var/log/flaskstack/*.access.log {\n")
    assert "    rotate 14\n" in rule and "    delaycompress\n" in rule
    assert "is-active --quiet nginx.service; then systemctl kill --kill-whom=main --signal=USR1 nginx.service;" in rule
    assert "systemctl reload apache2.service;" in access_logs.logrotate("apache", 3)


def test_logrotate_refuses_what_it_cannot_do():
    with pytest.raises(ValueError, match="at least 1"):
        access_logs.logrotate("nginx", 0)
    with pytest.raises(ValueError, match="no access logs"):
        access_logs.logrotate("lighttpd", 7)


def test_settings_name_the_files():
    out = access_logs.settings("apache", 7, ["127.0.0.1"])
    assert out["logrotate_path"] == "/etc/logrotate.d/flaskstack-apache"
    assert out["trusted"] == ["127.0.0.1/32"]
    assert out["fields"][:2] == ["time", "request_id"]
    assert set(out["numbers"]) <= set(out["fields"])
