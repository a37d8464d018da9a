# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter flaskstack.deploy.path_exists: whether a path exists on the host (the logic is in plugins/module_utils/host_state.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: path_exists
author: flaskstack.deploy contributors
version_added: 0.2.0
short_description: Whether a path exists on the host
description:
- Whether M(flaskstack.deploy.stack_info) found the path.
options:
  _input:
    description: What M(flaskstack.deploy.stack_info) returned.
    type: dict
    required: true
  path:
    description: The path.
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Make the Diffie-Hellman group once
  ansible.builtin.command: openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048 -out /etc/nginx/dh.pem
  when: not state | flaskstack.deploy.path_exists('/etc/nginx/dh.pem')
"""

RETURN = r"""
_value:
  description: Whether it exists.
  type: bool
"""

from ansible_collections.flaskstack.deploy.plugins.module_utils import host_state


def path_exists(state, path):
    """Whether a path exists on the host."""
    return host_state.exists(state, path)


class FilterModule:
    """flaskstack.deploy.path_exists"""

    def filters(self):
        return {"path_exists": path_exists}
