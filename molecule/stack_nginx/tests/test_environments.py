"""Dependency environments: a release whose requirements changed gets a fresh
environment, built and checked before it goes live; one whose requirements
cannot be installed never goes live; the code-only releases of the shared
suite reuse theirs (tests/integration/test_zero_downtime.py).

The same code path in every pairing (the app role builds the environments
whatever the app server): checked here only. The host is left on the release
it had (these tests run before the shared suite).
"""

import json
import pathlib
import shutil
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3] / "tests" / "integration"))
from stacklib import REPO, ansible_playbook, apps, fetch_app, hostvars, pairing, raw_apps  # noqa: E402,F401


@pytest.fixture(scope="module")
def demo(apps):
    return apps[0]


def deploy(tmp_path, raw_apps, name, requirements=None):
    """deploy.yml with the first application's code from a copy whose requirements file is replaced."""
    tree = tmp_path / name
    shutil.copytree(raw_apps[0]["source"]["path"], tree)
    if requirements is not None:
        (tree / "requirements.txt").write_text(requirements)
    extra = tmp_path / f"{name}.json"
    extra.write_text(json.dumps({"flaskstack_apps": [dict(raw_apps[0], source={"path": str(tree)})] + list(raw_apps[1:])}))
    result = ansible_playbook("-e", f"@{extra}", playbook=REPO / "playbooks" / "deploy.yml")
    result.output = result.stdout + result.stderr
    return result


def live(host, app):
    release = host.file(app["current_link"]).linked_to
    return release.rsplit("/", 1)[-1], host.file(f"{release}/venv").linked_to


def envs(host, app):
    return sorted(host.file(app["envs_dir"]).listdir())


def test_a_changed_requirement_builds_and_checks_a_fresh_environment(host, demo, raw_apps, tmp_path):
    release, env = live(host, demo)
    before = envs(host, demo)
    original = (REPO / "examples" / "demo_app" / "requirements.txt").read_text()
    # blinker is a dependency of Flask already: a new requirement, nothing new to download.
    result = deploy(tmp_path, raw_apps, "more", original + "blinker>=1.9\n")
    assert result.returncode == 0, result.output[-3000:]
    new_release, new_env = live(host, demo)
    assert new_release != release and new_env != env
    (fresh,) = set(envs(host, demo)) - set(before)
    assert new_env.endswith("/" + fresh)
    marker = json.loads(host.file(f"{demo['envs_dir']}/{fresh}/.flaskstack-env").content_string)
    assert marker["env"] == fresh
    assert host.run(f"{demo['envs_dir']}/{fresh}/bin/python -c 'import blinker'").rc == 0
    assert fetch_app(host, demo, demo["url_prefix"] + "health").status == 200
    # The earlier environment stays: the previous release uses it.
    assert set(before) <= set(envs(host, demo))

    # Back to the original code: its release and environment are there already.
    back = deploy(tmp_path, raw_apps, "back")
    assert back.returncode == 0, back.output[-3000:]
    assert live(host, demo) == (release, env)


def test_a_requirement_that_cannot_be_installed_never_goes_live(host, demo, raw_apps, tmp_path):
    release, _ = live(host, demo)
    before = envs(host, demo)
    result = deploy(tmp_path, raw_apps, "missing", "flaskstack-no-such-package==0.0.1\n")
    assert result.returncode != 0
    assert "failed the build of its dependency environment (pip install)" in result.output, result.output[-3000:]
    assert "flaskstack-no-such-package" in result.output
    assert f"release {release} keeps serving" in result.output
    assert live(host, demo)[0] == release
    # Nothing half-built stays: neither the environment nor the release.
    assert envs(host, demo) == before
    assert all(host.file(f"{demo['releases_dir']}/{r}/.flaskstack-release").exists for r in host.file(demo["releases_dir"]).listdir())
