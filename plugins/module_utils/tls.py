# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTPS certificates: which self-signed ones must be made (again)."""

from __future__ import annotations

import time

# A self-signed certificate is made again when fewer days than this remain.
RENEW_DAYS = 30


def self_signed_due(apps, state, renew_days=RENEW_DAYS, now=None):
    """The applications (app_layouts entries) whose self-signed certificate
    must be made: none yet, or its key is missing, or it names other server
    names, or it ends within renew_days. A certificate that is a link (certbot's,
    for an ACME application) is left alone."""
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
