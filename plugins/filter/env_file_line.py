# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter flaskstack.deploy.env_file_line: one line of a systemd EnvironmentFile (the logic is in plugins/module_utils/settings.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: env_file_line
author: flaskstack.deploy contributors
version_added: 0.1.0
short_description: One line of a systemd EnvironmentFile
description:
- Quotes a value so that it reaches the application unchanged, whatever characters it holds (systemd's EnvironmentFile syntax,
  which the WSGI entry point reads the same way).
options:
  _input:
    description: The variable's name.
    type: str
    required: true
  value:
    description: Its value (a boolean becomes V(true) or V(false)).
    type: raw
    required: true
"""

EXAMPLES = r"""
- name: Write a settings file
  ansible.builtin.copy:
    content: "{{ 'GREETING' | flaskstack.deploy.env_file_line('Hello \"you\"') }}\n"
    dest: /etc/flaskstack/demo/app.env
    mode: "0640"
"""

RETURN = r"""
_value:
  description: The line, V(NAME="value") with C(\\), C("), C(`) and C($) escaped.
  type: str
"""

from ansible_collections.flaskstack.deploy.plugins.module_utils import settings


def env_file_line(key, value):
    """One line of a systemd EnvironmentFile."""
    return settings.env_file_line(key, value)


class FilterModule:
    """flaskstack.deploy.env_file_line"""

    def filters(self):
        return {"env_file_line": env_file_line}
