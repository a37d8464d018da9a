# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter flaskstack.deploy.container_env_line: one line of a Docker environment file (the logic is in plugins/module_utils/containers.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: container_env_line
author: flaskstack.deploy contributors
version_added: 0.3.0
short_description: One line of a Docker environment file
description:
- V(KEY=VALUE) for Docker's C(--env-file), the value as it is (Docker does not unquote it); a value with a line break,
  which such a file cannot hold, is an error.
options:
  _input:
    description: The variable's name.
    type: str
    required: true
  value:
    description: Its value.
    type: raw
    required: true
"""

EXAMPLES = r"""
- name: Show a line
  ansible.builtin.debug:
    msg: "{{ 'SHOP_ENV' | flaskstack.deploy.container_env_line('production') }}"
"""

RETURN = r"""
_value:
  description: The line.
  type: str
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.flaskstack.deploy.plugins.module_utils import containers


def container_env_line(key, value):
    """One line of a Docker environment file."""
    try:
        return containers.env_file_line(key, value)
    except containers.ContainerError as exc:
        raise AnsibleFilterError(str(exc)) from None


class FilterModule:
    """flaskstack.deploy.container_env_line"""

    def filters(self):
        return {"container_env_line": container_env_line}
