# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter flaskstack.deploy.resolved_links: where links on the host point (the logic is in plugins/module_utils/host_state.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: resolved_links
author: flaskstack.deploy contributors
version_added: 0.2.0
short_description: Where links on the host point
description:
- The absolute paths the links point at (a relative target joined to the link's directory), for the links M(flaskstack.deploy.stack_info)
  found.
options:
  _input:
    description: What M(flaskstack.deploy.stack_info) returned.
    type: dict
    required: true
  links:
    description: The paths of the links.
    type: list
    elements: str
    required: true
"""

EXAMPLES = r"""
- name: Show where the release links point
  ansible.builtin.debug:
    msg: "{{ state | flaskstack.deploy.resolved_links(['/srv/flaskstack/demo/current', '/srv/flaskstack/demo/previous']) }}"
"""

RETURN = r"""
_value:
  description: The absolute targets of the links that exist.
  type: list
  elements: str
"""

from ansible_collections.flaskstack.deploy.plugins.module_utils import host_state


def resolved_links(state, links):
    """Where links on the host point."""
    return host_state.resolved_links(state, links)


class FilterModule:
    """flaskstack.deploy.resolved_links"""

    def filters(self):
        return {"resolved_links": resolved_links}
