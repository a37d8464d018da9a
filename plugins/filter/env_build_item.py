# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter flaskstack.deploy.env_build_item: how to build a release's dependency environment (the logic is in plugins/module_utils/releases.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: env_build_item
author: flaskstack.deploy contributors
version_added: 0.2.0
short_description: How to build a release's dependency environment
description:
- The item of M(flaskstack.deploy.run_steps) that builds a release's environment - a virtualenv, its packages (from the wheelhouse
  without an index when the application has one), C(pip check) - marked finished when all passed, removed when not.
options:
  _input:
    description: A release from P(flaskstack.deploy.app_release#filter).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Build the environments side by side
  flaskstack.deploy.run_steps:
    items: "{{ releases | map('flaskstack.deploy.env_build_item') }}"
"""

RETURN = r"""
_value:
  description: An item of M(flaskstack.deploy.run_steps).
  type: dict
"""

from ansible_collections.flaskstack.deploy.plugins.module_utils import releases


def env_build_item(release):
    """How to build a release's dependency environment."""
    return releases.env_build_item(release, wheelhouse=release.get("wheelhouse", False))


class FilterModule:
    """flaskstack.deploy.env_build_item"""

    def filters(self):
        return {"env_build_item": env_build_item}
