"""Unit tests for releases and their dependency environments (module_utils/releases.py)."""

import json

import pytest
from ansible_collections.flaskstack.deploy.plugins.module_utils import releases
from test_layout import app, layout

SERVER = {"gunicorn": ["gunicorn==23.0.0"]}


def lay(**overrides):
    (one,) = layout.app_layouts([app(**overrides)])
    return one


def reqs(text="flask==3.1.2\n"):
    return releases.requirements_digest({"/src/requirements.txt": text}.get, "/src/requirements.txt")


def env(one=None, requirements=None, python="3.11.2", **kwargs):
    return releases.env_id(one or lay(), requirements or reqs(), python, SERVER, **kwargs)


def test_environment_follows_what_decides_its_packages():
    base = env()
    assert releases.ID_RE.match(base)
    assert env() == base
    assert env(requirements=reqs("flask==3.1.1\n")) != base
    assert env(lay(packages=["psycopg"])) != base
    assert releases.env_id(lay(), reqs(), "3.11.2", {"gunicorn": ["gunicorn==23.1.0"]}) != base
    assert env(python="3.13.5") != base
    assert env(wheelhouse_digest="w" * 64) != base
    assert env(index_url="https://pypi.example.test/simple") != base
    # A Debian point release of Python keeps the environment.
    assert env(python="3.11.9") == base
    # The code does not count, unless the requirements install from it.
    assert env(source_digest="a" * 64) == base
    local = reqs("-e .\n")
    assert env(requirements=local, source_digest="a" * 64) != env(requirements=local, source_digest="b" * 64)


def test_requirements_digest_follows_included_files():
    files = {
        "/src/requirements.txt": "-r base.txt\n--constraint=pins/c.txt\nflask\n",
        "/src/base.txt": "requests\n",
        "/src/pins/c.txt": "flask==3.1.2\n",
    }
    one = releases.requirements_digest(files.get, "/src/requirements.txt")
    assert one["files"] == ["/src/requirements.txt", "/src/base.txt", "/src/pins/c.txt"]
    assert one["exists"] and not one["local"] and one["missing"] == []
    files["/src/pins/c.txt"] = "flask==3.1.1\n"
    assert releases.requirements_digest(files.get, "/src/requirements.txt")["digest"] != one["digest"]
    missing = releases.requirements_digest({"/src/requirements.txt": "-r nope.txt\n"}.get, "/src/requirements.txt")
    assert missing["missing"] == ["/src/nope.txt"]
    none = releases.requirements_digest({}.get, "/src/requirements.txt")
    assert not none["exists"]


@pytest.mark.parametrize(
    ("line", "local"),
    [
        ("flask==3.1.2", False),
        ("-e .", True),
        ("--editable=./libs/x", True),
        ("./libs/x", True),
        ("/opt/wheels/x.whl", True),
        ("pkg @ file:///opt/x", True),
        ("-e git+https://example.test/x.git#egg=x", False),
        ("--find-links ./wheels", True),
        ("--find-links https://example.test/wheels", False),
        ("# -e .", False),
    ],
)
def test_requirements_that_install_from_the_code(line, local):
    assert reqs(line + "\n")["local"] is local


def test_release_follows_its_code_and_environment():
    one = lay()
    environment = env(one)
    first = releases.release(one, "a" * 64, environment, SERVER)
    assert first == releases.release(one, "a" * 64, environment, SERVER)
    assert first["dir"] == f"/srv/flaskstack/demo/releases/{first['id']}"
    assert first["venv_dir"] == first["dir"] + "/venv"
    assert first["env_dir"] == f"/srv/flaskstack/demo/envs/{environment}"
    assert first["env_link"] == f"../../envs/{environment}"
    assert first["marker"] == first["dir"] + "/.flaskstack-release"
    assert first["env_marker"] == first["env_dir"] + "/.flaskstack-env"
    assert first["pip_packages"] == ["gunicorn==23.0.0", "werkzeug"]
    assert releases.release(one, "b" * 64, environment, SERVER)["id"] != first["id"]
    assert releases.release(one, "a" * 64, "f" * 12, SERVER)["id"] != first["id"]
    assert releases.release(lay(entry_point="demo.wsgi:app"), "a" * 64, environment, SERVER)["id"] != first["id"]
    with pytest.raises(ValueError, match="no source digest"):
        releases.release(one, "", environment)


def test_the_metrics_packages_go_into_every_environment_and_its_digest():
    one = lay()
    metered = dict(SERVER, **{releases.METRICS_PACKAGES: ["prometheus-client==0.21.1"]})
    assert releases.env_packages(one, metered) == ["gunicorn==23.0.0", "prometheus-client==0.21.1", "werkzeug"]
    assert releases.env_id(one, reqs("flask\n"), "3.11.2", metered) != releases.env_id(one, reqs("flask\n"), "3.11.2", SERVER)


def test_env_build_item_makes_a_virtualenv_installs_and_checks():
    one = releases.release(lay(), "a" * 64, env(), SERVER)
    item = releases.env_build_item(one)
    assert [s["step"] for s in item["steps"]] == ["venv", "pip install", "pip check"]
    assert item["steps"][0]["argv"] == ["python3", "-m", "venv", one["env_dir"]]
    install = item["steps"][1]["argv"]
    assert install[:3] == [one["env_dir"] + "/bin/pip", "install", "--no-input"]
    assert ["--requirement", one["code_dir"] + "/requirements.txt"] == install[3:5]
    assert install[-2:] == ["gunicorn==23.0.0", "werkzeug"]
    assert item["marker"] == one["env_marker"] and item["remove_on_failure"] == one["env_dir"]
    assert json.loads(item["marker_content"])["env"] == one["env_id"]
    wheels = releases.env_build_item(dict(one, requirements_exist=False), wheelhouse=True)
    install = wheels["steps"][1]["argv"]
    assert install[3:6] == ["--no-index", "--find-links", one["env_dir"] + "/wheelhouse"]
    assert "--requirement" not in install
    assert wheels["steps"][-1]["argv"] == ["rm", "-rf", "--", one["env_dir"] + "/wheelhouse"]


def test_check_item_imports_and_tests_as_the_app_server_would():
    one = releases.release(lay(test_command="pytest -q"), "a" * 64, env(), SERVER)
    item = releases.check_item(one, ["systemd-run", "--quiet"])
    assert [s["step"] for s in item["steps"]] == ["probe", "test"]
    probe = item["steps"][0]["argv"]
    assert probe[:4] == ["systemd-run", "--quiet", one["venv_dir"] + "/bin/python", one["wsgi_dir"] + "/flaskstack_probe.py"]
    assert probe[probe.index("--path") + 1] == "/health" and probe[probe.index("--release") + 1] == one["id"]
    assert probe[probe.index("--scheme") + 1] == "https" and probe[probe.index("--host") + 1] == "demo.localhost"
    assert item["steps"][1]["argv"][-3:] == ["/bin/sh", "-c", "pytest -q"]
    assert json.loads(item["marker_content"]) == {"app": "demo", "env": one["env_id"], "release": one["id"], "source": "a" * 64}


def test_failure_messages_say_what_failed_and_what_keeps_serving():
    one = releases.release(lay(), "a" * 64, env(), SERVER)
    results = [{"name": "demo", "passed": False, "failed_step": "probe", "rc": 10, "stdout": "", "stderr": "Traceback\nImportError: x"}]
    (message,) = releases.failure_messages(results, [one], {"demo": "0123456789ab"})
    assert f"demo: the new release {one['id']} failed the import of its WSGI entry point demo:create_app() (exit 10): ImportError: x" in message
    assert "release 0123456789ab keeps serving" in message and "Full output: Traceback" in message
    (first,) = releases.failure_messages(results, [one], {"demo": ""})
    assert "no release was live yet" in first
    unhealthy = [dict(results[0], rc=11, stderr="GET /health answered 503 (release abc): failing")]
    (sick,) = releases.failure_messages(unhealthy, [one], {"demo": "0123456789ab"})
    assert "failed its health check before any traffic (GET /health in-process) (exit 11): GET /health answered 503" in sick
    assert releases.failure_messages([{"name": "demo", "passed": True}], [one], {}) == []


def test_prune_keeps_the_newest_finished_the_protected_and_the_new():
    base = "/srv/flaskstack/demo/releases"
    dirs = [f"{base}/{n}" for n in ("r1", "r2", "r3", "r4", "broken")]
    markers = [{"path": f"{base}/r{i}/.flaskstack-release", "mtime": 100 + i} for i in range(1, 5)]
    assert releases.prune(dirs, markers, keep=2) == [f"{base}/broken", f"{base}/r1", f"{base}/r2"]
    # The live and the previous release stay whatever their age.
    assert releases.prune(dirs, markers, keep=2, protect=[f"{base}/r1", None]) == [f"{base}/broken", f"{base}/r2"]
    assert releases.prune(dirs, markers, keep=5) == [f"{base}/broken"]
    # A release just built counts as the newest (the state was read before it was).
    assert releases.prune(dirs, markers, keep=2, new=[f"{base}/r9"]) == [f"{base}/broken", f"{base}/r1", f"{base}/r2", f"{base}/r3"]


def test_prune_counts_each_application_on_its_own():
    dirs = [f"/srv/flaskstack/{a}/releases/r{i}" for a in ("demo", "blog") for i in (1, 2)]
    markers = [{"path": f"{d}/.flaskstack-release", "mtime": n} for n, d in enumerate(dirs)]
    assert releases.prune(dirs, markers, keep=1) == ["/srv/flaskstack/blog/releases/r1", "/srv/flaskstack/demo/releases/r1"]


def test_environments_stay_while_a_release_uses_them():
    envs = ["/srv/flaskstack/demo/envs/aaaaaaaaaaaa", "/srv/flaskstack/demo/envs/bbbbbbbbbbbb", "/srv/flaskstack/demo/envs/cccccccccccc"]
    assert releases.prune_envs(envs, ["../../envs/aaaaaaaaaaaa"], ["/srv/flaskstack/demo/envs/cccccccccccc"]) == [envs[1]]
    assert releases.prune_envs(envs, [], []) == envs


def test_rollback_goes_to_the_previous_release_or_the_named_one():
    one = lay()
    back = releases.rollback_target(one, "releases/aaaaaaaaaaaa", "releases/bbbbbbbbbbbb")
    assert (back["id"], back["live"], back["same"]) == ("bbbbbbbbbbbb", "aaaaaaaaaaaa", False)
    assert back["marker"] == "/srv/flaskstack/demo/releases/bbbbbbbbbbbb/.flaskstack-release"
    assert releases.rollback_step(back) == {"name": "demo", "app": one, "release": "bbbbbbbbbbbb", "from": "aaaaaaaaaaaa"}
    assert releases.rollback_target(one, "releases/aaaaaaaaaaaa", "", "cccccccccccc")["id"] == "cccccccccccc"
    assert releases.rollback_target(one, "releases/aaaaaaaaaaaa", "")["id"] == ""
    with pytest.raises(ValueError, match="is not a release id"):
        releases.rollback_target(one, "releases/aaaaaaaaaaaa", "", "../../etc")


def test_switches_that_go_back_and_what_the_play_says():
    demo, blog = layout.app_layouts([app(), app(name="blog")])
    steps = [
        releases.switch_step({"name": "demo", "app": demo, "id": "bbbbbbbbbbbb"}, {"demo": "aaaaaaaaaaaa"}),
        releases.switch_step({"name": "blog", "app": blog, "id": "dddddddddddd"}, {}),
    ]
    assert steps[0] == {"name": "demo", "app": demo, "release": "bbbbbbbbbbbb", "from": "aaaaaaaaaaaa"}
    assert releases.health_spec(steps) == [
        {"name": "demo", "url": "https://127.0.0.1:443/health", "host": "demo.localhost", "release": "bbbbbbbbbbbb"},
        {"name": "blog", "url": "https://127.0.0.1:443/health", "host": "blog.localhost", "release": "dddddddddddd"},
    ]
    # The way back: the release each came from; a first release has none to go back to.
    assert [t["release"] for t in releases.health_spec(steps, "from")] == ["aaaaaaaaaaaa"]
    gate = {"stdout": json.dumps({"passed": False, "apps": [
        {"name": "demo", "passed": False, "last_status": 503, "last_release": "bbbbbbbbbbbb"},
        {"name": "blog", "passed": True},
    ]})}  # fmt: skip
    back = releases.failed_switches(steps, gate)
    assert [s["name"] for s in back] == ["demo"]
    # The gate did not report: the switch itself failed, every application goes back.
    assert releases.failed_switches(steps, {}) == steps
    again = {"stdout": json.dumps({"passed": True, "apps": [{"name": "demo", "passed": True}]})}
    (message,) = releases.switch_failures(back, gate, again, 60)
    assert "demo: release bbbbbbbbbbbb went live but did not pass its health check" in message
    assert "last answer: 503 from release bbbbbbbbbbbb" in message
    assert "Rolled back: release aaaaaaaaaaaa is live again and healthy." in message
    assert "for 60 s;" in message
    # A gate that gave up early says so, with its own time, not the timeout.
    fast = {"stdout": json.dumps({"passed": False, "apps": [
        {"name": "demo", "passed": False, "last_status": 500, "last_release": "bbbbbbbbbbbb",
         "failed_fast": True, "unhealthy_in_a_row": 3, "seconds": 1.4},
    ]})}  # fmt: skip
    (quick,) = releases.switch_failures(back, fast, again, 60)
    assert "3 unhealthy answers in a row, given up after 1.4 s; last answer: 500 from release bbbbbbbbbbbb" in quick
    (worse,) = releases.switch_failures(back, gate, {}, 60)
    assert "Rolled back to release aaaaaaaaaaaa, but it does not answer its health check either" in worse
    (first,) = releases.switch_failures([steps[1]], {}, {}, 60, {"msg": "reload failed"})
    assert "switching to release dddddddddddd failed: reload failed" in first and "no earlier release" in first


@pytest.mark.parametrize(
    ("files", "project"),
    [
        ({"/src/setup.py": "from setuptools import setup\nsetup()\n"}, True),
        ({"/src/pyproject.toml": '[project]\nname = "shop"\ndependencies = ["flask"]\n'}, True),
        ({"/src/pyproject.toml": '[build-system]\nrequires = ["hatchling"]\n'}, True),
        # A pyproject.toml that only configures tools is not a project.
        ({"/src/pyproject.toml": "[tool.black]\nline-length = 100\n# [project]\n"}, False),
        ({}, False),
    ],
)
def test_a_python_project_is_told_by_its_setup_py_or_its_pyproject_tables(files, project):
    files = dict(files, **{"/src/requirements.txt": "flask\n"})
    assert releases.requirements_digest(files.get, "/src/requirements.txt", "/src")["project"] is project
    # Only when asked where the code is.
    assert releases.requirements_digest(files.get, "/src/requirements.txt")["project"] is False


def test_a_project_is_installed_into_an_environment_that_follows_its_code():
    files = {"/src/pyproject.toml": '[project]\nname = "shop"\n'}
    found = releases.requirements_digest(files.get, "/src/requirements.txt", "/src")
    one, other = ({"demo": d} for d in ("a" * 64, "b" * 64))
    first = releases.app_release(lay(), one, {"demo": found}, "3.11.2", SERVER)
    assert first["project"] and first["requirements_files"] is None
    assert releases.app_release(lay(), other, {"demo": found}, "3.11.2", SERVER)["env_id"] != first["env_id"]
    steps = releases.env_build_item(first)["steps"]
    assert [s["step"] for s in steps] == ["venv", "copy the project", "pip install", "pip check", "link var to the shared directory", "remove the copies"]
    copy = first["env_dir"] + "/project"
    assert steps[1]["argv"] == ["cp", "-a", "--", first["code_dir"], copy]
    assert steps[2]["argv"][-1] == copy and steps[-1]["argv"] == ["rm", "-rf", "--", copy]
    # Flask's instance folder of an installed package (sys.prefix/var/NAME-instance) is in the shared directory.
    assert steps[4]["argv"] == ["ln", "-sfn", "../../shared", first["env_dir"] + "/var"]
    # install_project: false, the requirements only: new code alone builds no environment.
    plain = releases.app_release(lay(install_project=False), one, {"demo": found}, "3.11.2", SERVER)
    assert not plain["project"]
    assert releases.app_release(lay(install_project=False), other, {"demo": found}, "3.11.2", SERVER)["env_id"] == plain["env_id"]
    assert [s["step"] for s in releases.env_build_item(plain)["steps"]] == ["venv", "pip install", "pip check"]
