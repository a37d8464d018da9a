"""Unit tests for the security settings the layout filters derive: HTTPS, the
security headers, the writable paths and the systemd sandbox."""

import pytest
from ansible_collections.flaskstack.deploy.plugins.module_utils import sandbox, schema, tls
from test_layout import app, layout


def one(**overrides):
    (lay,) = layout.app_layouts([app(**overrides)])
    return lay


def errors(**overrides):
    return " ".join(schema.app_errors([app(**overrides)]))


def test_https_is_on_by_default_with_a_self_signed_certificate_and_no_hsts():
    lay = one()
    assert lay["tls"] and lay["tls_source"] == "self_signed"
    assert (lay["tls_port"], lay["tls_redirect"], lay["hsts_max_age"]) == (443, True, 0)
    assert lay["tls_cert_path"] == "/etc/flaskstack/tls/demo/fullchain.pem"
    assert lay["tls_key_path"] == "/etc/flaskstack/tls/demo/privkey.pem"
    assert lay["health_url"] == "https://127.0.0.1:443/health"
    assert "Strict-Transport-Security" not in lay["tls_headers"]


def test_a_given_or_acme_certificate_gets_hsts_by_default():
    for tls, source in (
        ({"certificate": "PEM", "private_key": "KEY"}, "pem"),
        ({"certificate_file": "/c.pem", "private_key_file": "/k.pem"}, "file"),
        ({"acme": True}, "acme"),
    ):
        lay = one(tls=tls)
        assert lay["tls_source"] == source
        assert lay["tls_headers"]["Strict-Transport-Security"] == "max-age=63072000"
        assert "Strict-Transport-Security" not in lay["headers"], "HSTS over plain HTTP"
    assert one(tls={"acme": True, "hsts_max_age": 0})["tls_headers"].get("Strict-Transport-Security") is None


def test_the_private_key_text_is_not_copied_into_the_layout():
    lay = one(tls={"certificate": "CERT-TEXT", "private_key": "KEY-TEXT"})
    assert "KEY-TEXT" not in repr(lay) and "CERT-TEXT" not in repr(lay)


def test_tls_false_is_plain_http():
    lay = one(tls=False, port=8080)
    assert not lay["tls"] and not lay["tls_redirect"] and lay["hsts_max_age"] == 0
    assert lay["health_url"] == "http://127.0.0.1:8080/health"


@pytest.mark.parametrize(
    "tls, message",
    [
        ("yes", "must be false (no HTTPS) or a dictionary"),
        ({"cert": "x"}, "unknown key(s) 'cert'"),
        ({"certificate": "x"}, "give 'certificate' and 'private_key' together"),
        ({"certificate": "x", "private_key": "y", "acme": True}, "not certificate and acme"),
        ({"port": 80}, "also the HTTP port"),
        ({"port": 0}, "out of range"),
        ({"redirect": "no"}, "redirect must be true or false"),
        ({"hsts_max_age": -1}, "hsts_max_age must be a whole number"),
        ({"acme": "yes"}, "acme must be true or false"),
    ],
)
def test_bad_tls_settings_are_named(tls, message):
    assert message in errors(tls=tls)


def test_wildcard_names_cannot_use_acme():
    assert "need a DNS challenge" in errors(server_names=["*.example.com"], tls={"acme": True})


def test_security_headers_and_their_overrides():
    assert one()["headers"] == {
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "SAMEORIGIN",
        "Referrer-Policy": "strict-origin-when-cross-origin",
    }
    lay = one(headers={"X-Frame-Options": None, "Content-Security-Policy": "default-src 'self'"})
    assert "X-Frame-Options" not in lay["headers"]
    assert lay["headers"]["Content-Security-Policy"] == "default-src 'self'"
    assert "headers:" in errors(headers={"Bad Name": "x"})
    assert "headers:" in errors(headers={"X-Test": 'a"b'})


def test_writable_paths_are_the_shared_dirs_and_the_given_paths():
    lay = one(shared_dirs=["instance", "uploads/"], writable_paths=["/var/lib/demo"])
    assert lay["writable_paths"] == ["/srv/flaskstack/demo/shared/instance", "/srv/flaskstack/demo/shared/uploads", "/var/lib/demo"]
    assert "writable_paths" in errors(writable_paths=["relative/path"])
    assert "writable_paths" in errors(writable_paths=["/srv/../etc"])


def test_the_app_sandbox():
    lines = sandbox.systemd_sandbox(one(shared_dirs=["instance"]))
    assert "NoNewPrivileges=yes" in lines
    assert "ProtectSystem=strict" in lines
    assert "CapabilityBoundingSet=" in lines
    assert "ReadWritePaths=-/srv/flaskstack/demo/shared/instance" in lines
    assert [line for line in lines if line.startswith("SystemCallFilter=")] == [
        "SystemCallFilter=@system-service",
        "SystemCallFilter=~@privileged @resources",
    ]
    assert not any(line.startswith("ReadWritePaths") for line in sandbox.systemd_sandbox(one()))


def test_sandbox_overrides_add_change_and_remove_settings():
    lines = sandbox.systemd_sandbox(one(), {"PrivateUsers": True, "MemoryDenyWriteExecute": None, "UMask": "0077"})
    assert "PrivateUsers=yes" in lines
    assert not any(line.startswith("MemoryDenyWriteExecute") for line in lines)
    assert "UMask=0077" in lines and "UMask=0027" not in lines
    with pytest.raises(Exception, match="not a systemd setting name"):
        sandbox.systemd_sandbox(one(), {"bad name": "x"})


def test_tls_profiles():
    intermediate = tls.tls_profile("intermediate")
    assert intermediate["protocols"] == ["TLSv1.2", "TLSv1.3"]
    assert all(("GCM" in c or "CHACHA20" in c) and "HE-" in c for c in intermediate["ciphers"].split(":"))
    assert tls.tls_profile("modern")["protocols"] == ["TLSv1.3"]
    with pytest.raises(Exception, match="not a TLS profile"):
        tls.tls_profile("old")
