# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter flaskstack.deploy.app_release: the new release of an application (the logic is in plugins/module_utils/releases.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: app_release
author: flaskstack.deploy contributors
version_added: 0.2.0
short_description: The new release of an application
description:
- 'The release an application gets: its id, the id of its dependency environment, and their paths on the host.'
- The environment's id is a digest of what decides its packages (the requirements' digest, the packages, the app server's
  packages, Werkzeug for ProxyFix, the Python version, the index, the wheelhouse, and the code's digest when a requirement
  installs from the code); the release's id is a digest of the code, the environment and the settings baked into the release.
options:
  _input:
    description: An application from P(flaskstack.deploy.app_layouts#filter).
    type: dict
    required: true
  digests:
    description: Application name to the digest of its code (or V(git:COMMIT)).
    type: dict
    required: true
  requirements:
    description: Application name to what P(flaskstack.deploy.requirements_digest#lookup) (or M(flaskstack.deploy.stack_info))
      found for its requirements file.
    type: dict
    required: true
  python_version:
    description: The host's Python version.
    type: str
    required: true
  server_packages:
    description: App server name to its Python packages.
    type: dict
  wheelhouses:
    description: Application name to the digest of its wheelhouse.
    type: dict
  index_url:
    description: The package index pip uses on the host.
    type: str
    default: ''
"""

EXAMPLES = r"""
- name: Name the releases
  ansible.builtin.set_fact:
    releases: "{{ apps | map('flaskstack.deploy.app_release', digests, requirements, host.python_version, server_packages) }}"
"""

RETURN = r"""
_value:
  description: V(name), V(app), V(id), V(dir), V(code_dir), V(venv_dir), V(wsgi_dir), V(wsgi_file), V(marker), V(env_id),
    V(env_dir), V(env_link), V(env_marker), V(pip_packages), V(source_digest), V(requirements_exist), V(wheelhouse).
  type: dict
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.flaskstack.deploy.plugins.module_utils import releases


def app_release(app, digests, requirements, python_version, server_packages=None, wheelhouses=None, index_url="", container_base=""):
    """The new release of an application."""
    try:
        return releases.app_release(app, digests, requirements, python_version, server_packages, wheelhouses, index_url, container_base)
    except releases.ReleaseError as exc:
        raise AnsibleFilterError(str(exc)) from None


class FilterModule:
    """flaskstack.deploy.app_release"""

    def filters(self):
        return {"app_release": app_release}
