# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the release cycle: naming releases and environments, what to build,
check, switch and remove (the logic is in module_utils/releases.py)."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError
from ansible_collections.flaskstack.deploy.plugins.module_utils import releases, sandbox


def app_release(app, digests, requirements, python_version, server_packages=None, wheelhouses=None, index_url=""):
    """The new release of an application (an app_layouts entry): its id, its
    environment's id, its paths. digests: name -> the code's digest; requirements:
    name -> what requirements_digest found; wheelhouses: name -> the wheelhouse's digest."""
    name = app["name"]
    try:
        found = (requirements or {})[name]
    except KeyError:
        raise AnsibleFilterError(f"{name}: no digest of its requirements to name its environment after.") from None
    source = (digests or {}).get(name)
    wheelhouse = (wheelhouses or {}).get(name, "")
    environment = releases.env_id(app, found, python_version, server_packages, source or "", wheelhouse, index_url)
    try:
        out = releases.release(app, source, environment, server_packages)
    except ValueError as exc:
        raise AnsibleFilterError(str(exc)) from None
    out["requirements_exist"] = bool(found.get("exists", True))
    out["wheelhouse"] = bool(wheelhouse)
    return out


def rollback_target(links, release_id=""):
    """Where rollback.yml takes an application: links is (layout, target of its
    current link, target of its previous link); returns {name, app, id, live, same, marker}."""
    app, current, previous = links
    try:
        return releases.rollback_target(app, current, previous, release_id)
    except ValueError as exc:
        raise AnsibleFilterError(str(exc)) from None


def env_build_item(release):
    """The run_steps item that builds a release's dependency environment."""
    return releases.env_build_item(release, wheelhouse=release.get("wheelhouse", False))


def check_item(release, overrides=None):
    """The run_steps item that checks a new release in its sandbox, as its app server runs it."""
    try:
        prefix = sandbox.run_as_app(release, overrides)
    except sandbox.SandboxError as exc:
        raise AnsibleFilterError(str(exc)) from None
    return releases.check_item(release, prefix)


def health_target(switch):
    """What the health gate asks for one application ({name, app, release}):
    {name, url, host, release}."""
    return {
        "name": switch["name"],
        "url": switch["app"]["health_url"],
        "host": switch["app"]["health_host"],
        "release": switch["release"],
    }


class FilterModule:
    """flaskstack.deploy release filters."""

    def filters(self):
        return {
            "app_release": app_release,
            "pending_releases": releases.pending,
            "release_prune": releases.prune,
            "env_prune": releases.prune_envs,
            "rollback_target": rollback_target,
            "env_build_item": env_build_item,
            "release_check_item": check_item,
            "release_failures": releases.failure_messages,
            "health_target": health_target,
            "switch_step": releases.switch_step,
            "rollback_step": releases.rollback_step,
            "switch_back": releases.switch_back,
            "failed_switches": releases.failed_switches,
            "switch_failures": releases.switch_failures,
        }
