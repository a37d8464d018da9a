# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTPS: where an application's certificate comes from and lives, the headers
the web server sends, Mozilla's TLS profiles, and which self-signed
certificates must be made (again)."""

from __future__ import annotations

import ipaddress
import time

TLS_DIR = "/etc/flaskstack/tls"
# certbot writes the ACME challenges here; the web server answers them from here.
ACME_WEBROOT = "/var/lib/flaskstack/acme"
# Mozilla's HSTS recommendation (two years); sent by default with a certificate
# a browser trusts (given or ACME), not with a self-signed one, which a browser
# would then refuse to let its user click through.
HSTS_MAX_AGE = 63072000
# The headers the web server adds to every answer. An application that sets its
# own frame or referrer policy leaves the web server's out with
# "headers: {X-Frame-Options: null}".
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "SAMEORIGIN",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}
# A self-signed certificate is made again when fewer days than this remain.
RENEW_DAYS = 30


def app_tls_dir(name):
    """Where an application's certificate and key live."""
    return f"{TLS_DIR}/{name}"


def https_port(app):
    """The port an application's HTTPS virtual host listens on, or None when it
    has no HTTPS ("tls: false")."""
    given = app.get("tls", {})
    return given.get("port", 443) if isinstance(given, dict) else None


def alt_names(server_names):
    """The subjectAltName entries of a certificate for these server names:
    IP:ADDRESS for an address, DNS:NAME for a name."""
    out = []
    for name in server_names:
        try:
            ipaddress.ip_address(name)
        except ValueError:
            out.append(f"DNS:{name}")
        else:
            out.append(f"IP:{name}")
    return out


def https(app, server_names):
    """The HTTPS part of an application's layout: whether it has TLS, where its
    certificate comes from (self_signed, file, pem or acme) and lives, its port,
    redirect and HSTS, and the headers of its plain and HTTPS answers."""
    given = app.get("tls", {})
    given = dict(given) if isinstance(given, dict) else None
    if given is None:
        source = None
    elif given.get("acme"):
        source = "acme"
    elif given.get("certificate"):
        source = "pem"
    elif given.get("certificate_file"):
        source = "file"
    else:
        source = "self_signed"
    hsts = given.get("hsts_max_age", 0 if source == "self_signed" else HSTS_MAX_AGE) if given is not None else 0
    headers = dict(SECURITY_HEADERS)
    headers.update(app.get("headers", {}) or {})
    headers = {k: v for k, v in headers.items() if v is not None}
    tls_headers = dict(headers)
    if hsts:
        tls_headers.setdefault("Strict-Transport-Security", f"max-age={hsts}")
    tls_dir = app_tls_dir(app["name"])
    return {
        "tls": given is not None,
        "tls_source": source,
        "tls_port": https_port(app) or 443,
        "tls_redirect": given is not None and given.get("redirect", True),
        "tls_dir": tls_dir,
        "tls_cert_path": f"{tls_dir}/fullchain.pem",
        "tls_key_path": f"{tls_dir}/privkey.pem",
        # The names a self-signed certificate of the application carries.
        "tls_alt_names": alt_names(server_names),
        "acme_webroot": ACME_WEBROOT,
        "tls_certificate_file": (given or {}).get("certificate_file"),
        "tls_private_key_file": (given or {}).get("private_key_file"),
        "hsts_max_age": hsts,
        "headers": headers,
        "tls_headers": tls_headers,
    }


class ProfileError(ValueError):
    """A TLS profile that does not exist."""


# Mozilla's "intermediate" TLS configuration (version 5.7) for the OpenSSL 3 of
# Debian 12 and 13: TLS 1.2 and 1.3 only, forward secrecy, AEAD ciphers.
# https://ssl-config.mozilla.org/ ; "modern": TLS 1.3 only.
TLS_PROFILES = {
    "intermediate": {
        "protocols": ["TLSv1.2", "TLSv1.3"],
        "ciphers": (
            "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
            "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
            "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305"
        ),
        "curves": "X25519:prime256v1:secp384r1",
        "prefer_server_ciphers": False,
    },
    "modern": {
        "protocols": ["TLSv1.3"],
        "ciphers": "",
        "curves": "X25519:prime256v1:secp384r1",
        "prefer_server_ciphers": False,
    },
}


def tls_profile(name="intermediate"):
    """The protocols, ciphers and curves of a Mozilla TLS profile."""
    if name not in TLS_PROFILES:
        raise ProfileError(f"{name!r} is not a TLS profile; choose one of: {', '.join(TLS_PROFILES)}.")
    return dict(TLS_PROFILES[name])


def self_signed_due(apps, state, renew_days=RENEW_DAYS, now=None):
    """The applications (app_layouts entries) whose self-signed certificate
    must be made: none yet, or its key is missing, or it names other server
    names, or it ends within renew_days. A certificate that is a link (certbot's,
    for an ACME application) is left alone. state: what stack_info read."""
    now = time.time() if now is None else now
    paths = (state or {}).get("paths") or {}
    certificates = (state or {}).get("certificates") or {}
    due = []
    for app in apps:
        cert = paths.get(app["tls_cert_path"]) or {}
        if cert.get("type") == "link":
            continue
        key = paths.get(app["tls_key_path"]) or {}
        info = certificates.get(app["tls_cert_path"])
        if (
            not cert.get("exists")
            or not key.get("exists")
            or not info
            or not info.get("valid")
            or sorted(set(info.get("names") or [])) != sorted(set(app["server_names"]))
            or (info.get("not_after") or 0) - now < renew_days * 86400
        ):
            due.append(app)
    return due
