# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter flaskstack.deploy.pending_releases: the releases that must go live (the logic is in plugins/module_utils/releases.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: pending_releases
author: flaskstack.deploy contributors
version_added: 0.1.0
short_description: The releases that must go live
description:
- Of the new releases, those of applications that have a live release other than this one (a first release is live already).
options:
  _input:
    description: Releases from P(flaskstack.deploy.app_release#filter).
    type: list
    elements: dict
    required: true
  live:
    description: Application name to the id of its live release (V("") for none).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Show what goes live
  ansible.builtin.debug:
    msg: "{{ releases | flaskstack.deploy.pending_releases(live) | map(attribute='id') }}"
"""

RETURN = r"""
_value:
  description: The releases to switch to.
  type: list
  elements: dict
"""

from ansible_collections.flaskstack.deploy.plugins.module_utils import releases


def pending_releases(new_releases, live):
    """The releases that must go live."""
    return releases.pending(new_releases, live)


class FilterModule:
    """flaskstack.deploy.pending_releases"""

    def filters(self):
        return {"pending_releases": pending_releases}
