# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter flaskstack.deploy.container_run: an application of the container runtime with what its container runs (the logic is in plugins/module_utils/containers.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: container_run
author: flaskstack.deploy contributors
version_added: 0.3.0
short_description: An application of the container runtime with what its container runs
description:
- The application's layout with V(command) and V(config_files), its app server's (what the app server role's entry point
  C(container) made known) with the layout filled in, for M(flaskstack.deploy.container_app).
options:
  _input:
    description: An entry of P(flaskstack.deploy.app_layouts#filter).
    type: dict
    required: true
  servers:
    description: Per app server, V(command) and V(config_files) (templates with the layout's fields and V({socket})).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Run the containers
  flaskstack.deploy.container_app:
    apps: "{{ layouts | map('flaskstack.deploy.container_run', {'gunicorn': gunicorn_container}) }}"
"""

RETURN = r"""
_value:
  description: The layout with V(command) and V(config_files).
  type: dict
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.flaskstack.deploy.plugins.module_utils import containers


def container_run(app, servers):
    """The application with its container's command and files."""
    try:
        return containers.run_entry(app, servers)
    except containers.ContainerError as exc:
        raise AnsibleFilterError(str(exc)) from None


class FilterModule:
    """flaskstack.deploy.container_run"""

    def filters(self):
        return {"container_run": container_run}
