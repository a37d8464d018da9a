# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter flaskstack.deploy.release_failures: what the play says when new releases fail their build or checks (the logic is in plugins/module_utils/releases.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: release_failures
author: flaskstack.deploy contributors
version_added: 0.2.0
short_description: What the play says when new releases fail their build or checks
description:
- 'For each failed item of M(flaskstack.deploy.run_steps): the release, which step failed, its last line, its whole output,
  and which release keeps serving.'
options:
  _input:
    description: The V(results) of M(flaskstack.deploy.run_steps).
    type: list
    elements: dict
    required: true
  releases:
    description: The releases of the run, from P(flaskstack.deploy.app_release#filter).
    type: list
    elements: dict
    required: true
  live:
    description: Application name to the id of its live release.
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Stop, saying why
  ansible.builtin.fail:
    msg: "{{ ansible_failed_result.results | flaskstack.deploy.release_failures(releases, live) | join(' ') }}"
"""

RETURN = r"""
_value:
  description: One message per failed release.
  type: list
  elements: str
"""

from ansible_collections.flaskstack.deploy.plugins.module_utils import releases


def release_failures(results, new_releases, live):
    """What the play says when new releases fail."""
    return releases.failure_messages(results, new_releases, live)


class FilterModule:
    """flaskstack.deploy.release_failures"""

    def filters(self):
        return {"release_failures": release_failures}
