"""Unit tests for which self-signed certificates are due (module_utils/tls.py)."""

from ansible_collections.flaskstack.deploy.plugins.module_utils import tls
from test_layout import app, layout

NOW = 1_800_000_000


def state(cert=None, key=True, names=("demo.localhost",), days=400, link=False):
    app_ = layout.app_layouts([app()])[0]
    paths = {app_["tls_cert_path"]: {"exists": cert is not False, "type": "link" if link else "file"}, app_["tls_key_path"]: {"exists": key}}
    info = {"valid": True, "names": list(names), "not_after": NOW + days * 86400, "self_signed": True}
    return app_, {"paths": paths, "certificates": {app_["tls_cert_path"]: info if cert is not False else None}}


def test_a_valid_certificate_for_the_names_stays():
    one, host = state()
    assert tls.self_signed_due([one], host, now=NOW) == []


def test_missing_renamed_expiring_or_keyless_certificates_are_made():
    for kwargs in ({"cert": False}, {"key": False}, {"names": ("other.test",)}, {"days": 10}):
        one, host = state(**kwargs)
        assert tls.self_signed_due([one], host, now=NOW) == [one], kwargs


def test_certbots_certificate_is_left_alone():
    one, host = state(link=True, days=1)
    assert tls.self_signed_due([one], host, now=NOW) == []


def test_the_names_of_a_self_signed_certificate():
    assert tls.alt_names(["shop.test", "127.0.0.1", "::1", "www.shop.test"]) == ["DNS:shop.test", "IP:127.0.0.1", "IP:::1", "DNS:www.shop.test"]
