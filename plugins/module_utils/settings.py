# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An application's settings files (app.env, secrets.env): systemd's
EnvironmentFile syntax, which the WSGI entry point reads the same way."""

from __future__ import annotations

import re


def env_file_line(key, value):
    """One line of a systemd EnvironmentFile, quoted so that the value arrives unchanged."""
    text = "" if value is None else str(value)
    if isinstance(value, bool):
        text = "true" if value else "false"
    # systemd keeps a backslash-escaped \\ " ` $ literally inside double quotes; newlines may stand as they are.
    escaped = re.sub(r'([\\"`$])', r"\\\1", text)
    return f'{key}="{escaped}"'
