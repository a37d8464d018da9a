"""The rest of an application's life, with the demo of the base configuration:
its database migrated by its release command (once per deploy, a failing one
stopping the deploy with the live release serving), a queue worker (RQ on the
lab's Redis, a process type) that finishes the job in hand when a deploy
restarts it onto the new release (a job that ends when the test lets it, once the worker
got its stop signal), a scheduled job (a systemd timer), one-off
commands (playbooks/run.yml), a settings file in its instance folder, and a
process type taken out of the variables.

The same code path whatever the pairing (the units are the app role's, not
the app server's): checked here only, on both distributions. The tests run in
order, before the shared suite, and leave the demo on the release it had.
"""

import concurrent.futures
import hashlib
import json
import pathlib
import re
import shutil
import sys
import time

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3] / "tests" / "integration"))
from stacklib import REPO, ansible_playbook, apps, fetch_app, hostvars, pairing, raw_apps  # noqa: E402,F401

WORKER = "flaskstack-demo_worker@1.service"
TICK = "flaskstack-demo_tick"
MASK = "********"


@pytest.fixture(scope="module")
def demo(apps):
    (one,) = [a for a in apps if a["name"] == "demo"]
    return one


@pytest.fixture(scope="module")
def raw_demo(raw_apps):
    (one,) = [a for a in raw_apps if a["name"] == "demo"]
    return one


@pytest.fixture(scope="module")
def deploy(tmp_path_factory, raw_apps):
    """deploy(version=None, migration=None, **demo_keys): deploy.yml with the
    demo's code in a copy with another VERSION and one more migration (None:
    its own code), its keys changed by demo_keys; the result has .output and .seconds."""
    base = tmp_path_factory.mktemp("life")
    trees = {}

    def run(version=None, migration=None, **keys):
        demo = next(a for a in raw_apps if a["name"] == "demo")
        changed = dict(demo, **keys)
        if version:
            tree = base / version
            trees.setdefault(version, migration)
            assert trees[version] == migration, "one version, one code"
            if tree.exists():
                migration = None
            else:
                shutil.copytree(demo["source"]["path"], tree)
                (tree / "demo" / "VERSION").write_text(version + "\n")
            if migration:
                life = tree / "demo" / "life.py"
                text = life.read_text()
                patched = text.replace("\n]\n", f"\n    {migration!r},\n]\n", 1)
                assert patched != text
                life.write_text(patched)
            changed["source"] = {"path": str(tree)}
        extra = base / f"deploy-{len(list(base.glob('deploy-*.json')))}.json"
        extra.write_text(json.dumps({"flaskstack_apps": [changed if a["name"] == "demo" else a for a in raw_apps]}))
        started = time.monotonic()
        result = ansible_playbook("-e", f"@{extra}", playbook=REPO / "playbooks" / "deploy.yml")
        result.seconds = time.monotonic() - started
        result.output = result.stdout + result.stderr
        return result

    return run


def run_command(*extra):
    result = ansible_playbook(*extra, playbook=REPO / "playbooks" / "run.yml")
    result.output = result.stdout + result.stderr
    return result


def migrations(host, demo):
    return fetch_app(host, demo, "/migrations").json()


def version(host, demo):
    return fetch_app(host, demo, "/health").json()["version"]


def enqueue(host, demo, seconds, until=None):
    answer = fetch_app(host, demo, f"/jobs?seconds={seconds}" + (f"&until={until}" if until else ""), method="POST")
    assert answer.status == 202, answer.body
    return answer.json()["id"]


def wait_for_job(host, demo, job, statuses, timeout):
    deadline = time.monotonic() + timeout
    while True:
        state = fetch_app(host, demo, f"/jobs/{job}").json()
        if state["status"] in statuses or time.monotonic() > deadline:
            return state
        time.sleep(0.5)


def journal(host, unit, since):
    return host.check_output(f"journalctl --no-pager -o cat -u {unit} --since @{int(since)}")


@pytest.fixture(scope="module")
def releases_before(host, demo):
    """The demo's releases and its previous link before these tests, which
    leave them so (the shared suite counts on how many releases are kept)."""
    previous = host.file(demo["previous_link"])
    return set(host.file(demo["releases_dir"]).listdir()), previous.linked_to if previous.is_symlink else None


def test_the_release_command_migrated_the_database_of_the_first_release(host, demo, releases_before):
    state = migrations(host, demo)
    assert state["applied"][:1] == ["0001_notes"], state
    assert state["runs"] and state["runs"][0]["version"] == "1.0.0", state


def test_the_application_reads_its_settings_file_that_only_its_group_may_read(host, demo, raw_demo):
    settings = host.file(f"{demo['base_dir']}/shared/instance/settings.cfg")
    assert (settings.user, settings.group, settings.mode) == ("root", "demo", 0o640)
    (content,) = [f["content"] for f in raw_demo["settings_files"] if f["dest"] == "instance/settings.cfg"]
    secret = re.search(r'DEMO_FILE_SECRET = "(.*)"', content).group(1)
    seen = fetch_app(host, demo, "/whoami").json()
    assert seen["file_setting"] == "from settings.cfg"
    assert seen["file_secret_sha256"] == hashlib.sha256(secret.encode()).hexdigest()


def test_a_job_enqueued_through_the_application_is_done_by_the_worker(host, demo):
    worker = host.service(WORKER)
    assert worker.is_running and worker.is_enabled
    # The worker runs as the application, in its sandbox, from the live release.
    pid = host.check_output(f"systemctl show -p MainPID --value {WORKER}")
    assert host.check_output(f"ps -o user= -p {pid}").strip() == "demo"
    assert host.check_output(f"readlink /proc/{pid}/cwd") == host.check_output(f"readlink -f {demo['code_dir']}")
    assert host.check_output(f"systemctl show -p ProtectSystem --value {WORKER}") == "strict"
    state = wait_for_job(host, demo, enqueue(host, demo, 0), {"finished", "failed"}, 60)
    assert state["status"] == "finished", state
    assert state["result"]["version"] == version(host, demo)


def test_the_timer_runs_the_scheduled_job_and_a_failing_run_shows(host, demo):
    timer = host.service(f"{TICK}.timer")
    assert timer.is_running and timer.is_enabled
    ticks = f"{demo['base_dir']}/shared/instance/ticks.log"
    deadline = time.monotonic() + 75
    while not host.file(ticks).exists and time.monotonic() < deadline:
        time.sleep(1)
    assert host.file(ticks).exists, "the timer did not run the job within 75 s"
    assert host.file(ticks).user == "demo"
    assert json.loads(host.file(ticks).content_string.splitlines()[-1])["version"] == version(host, demo)
    assert re.search(r"^tick \d", journal(host, f"{TICK}.service", 0), re.M)
    # A run that fails leaves its unit failed, with its reason in the journal.
    flag = f"{demo['base_dir']}/shared/instance/tick-fail"
    since = time.time() - 1
    host.check_output(f"runuser -u demo -- touch {flag}")
    try:
        assert host.run(f"systemctl start {TICK}.service").rc != 0
        assert host.run(f"systemctl is-failed {TICK}.service").stdout.strip() == "failed"
        assert "failing on purpose" in journal(host, f"{TICK}.service", since)
    finally:
        host.check_output(f"rm -f {flag}")
    assert host.run(f"systemctl start {TICK}.service").rc == 0
    assert host.run(f"systemctl is-failed {TICK}.service").stdout.strip() != "failed"


def test_a_one_off_command_shows_its_output_and_masks_the_secrets(host, raw_demo):
    result = run_command("-e", "app=demo", "-e", "command='printenv SECRET_KEY; echo one-off-$DEMO_NAME user-$(id -un); pwd'")
    assert result.returncode == 0, result.output[-3000:]
    assert "one-off-demo user-demo" in result.stdout and MASK in result.stdout
    assert "/srv/flaskstack/demo/releases/" in result.stdout or "/srv/flaskstack/demo/current/app" in result.stdout
    secret = raw_demo["secret_env"]["SECRET_KEY"]
    assert secret not in result.output and "canary-S3cr3t" not in result.output
    # Its exit status fails the play.
    failed = run_command("-e", "app=demo", "-e", "command='echo about to fail; exit 3'")
    assert failed.returncode != 0 and "about to fail" in failed.stdout and "exited with status 3" in failed.output
    # Bad input is refused before anything runs.
    unknown = run_command("-e", "app=nosuchapp", "-e", "command=true")
    assert unknown.returncode != 0 and "is not one of the applications" in unknown.output, unknown.output[-2000:]
    empty = run_command("-e", "app=demo", "-e", "command=")
    assert empty.returncode != 0 and "give the command to run" in empty.output, empty.output[-2000:]


def test_a_deploy_lets_the_job_in_hand_finish_then_the_worker_runs_the_new_release(host, demo, deploy):
    before = version(host, demo)
    runs = len(migrations(host, demo)["runs"])
    # A job that runs until the test lets it end (the file job-go in the instance folder).
    go = f"{demo['base_dir']}/shared/instance/job-go"
    host.check_output(f"rm -f {go}")
    job = enqueue(host, demo, 600, until="job-go")
    assert wait_for_job(host, demo, job, {"started"}, 30)["status"] == "started"
    since = time.time() - 1
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        running = pool.submit(deploy, "6.0.0", ("0002_tags", "CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT)"))
        try:
            # The deploy restarts the worker onto the new release: the worker gets its stop
            # signal with the job in hand...
            deadline = time.monotonic() + 600
            while not running.done() and time.monotonic() < deadline and not re.search(r"warm shut ?down", journal(host, WORKER, since), re.I):
                time.sleep(1)
            assert not running.done(), f"the deploy ended with the job in hand: {running.result().output[-3000:]}"
            assert re.search(r"warm shut ?down", journal(host, WORKER, since), re.I), "the worker got no stop signal"
            # ... and the deploy waits while the job runs.
            time.sleep(3)
            assert fetch_app(host, demo, f"/jobs/{job}").json()["status"] == "started" and not running.done()
        finally:
            host.check_output(f"runuser -u demo -- touch {go}")
        result = running.result(timeout=900)
    host.check_output(f"rm -f {go}")
    assert result.returncode == 0, result.output[-4000:]
    # The job in hand was finished by the release that took it, then the worker restarted.
    state = wait_for_job(host, demo, job, {"finished", "failed"}, 60)
    assert state["status"] == "finished" and state["result"]["version"] == before, state
    assert version(host, demo) == "6.0.0"
    assert wait_for_job(host, demo, enqueue(host, demo, 0), {"finished", "failed"}, 60)["result"]["version"] == "6.0.0"
    # Its release command ran once, in the new release: the database has its migration.
    state = migrations(host, demo)
    assert state["applied"] == ["0001_notes", "0002_tags"], state
    assert [r["version"] for r in state["runs"][runs:]] == ["6.0.0"], state


def test_a_failing_release_command_stops_the_deploy_and_the_live_release_serves(host, demo, deploy):
    worker_pid = host.check_output(f"systemctl show -p MainPID --value {WORKER}")
    result = deploy("7.0.0", ("0003_broken", "THIS IS NOT SQL"))
    assert result.returncode != 0
    assert "failed its release command (flask --app demo:create_app migrate)" in result.output, result.output[-3000:]
    assert "syntax error" in result.output and "keeps serving" in result.output
    assert version(host, demo) == "6.0.0"
    assert "0003_broken" not in migrations(host, demo)["applied"]
    # The worker was not touched.
    assert host.check_output(f"systemctl show -p MainPID --value {WORKER}") == worker_pid


def test_a_process_type_taken_out_leaves_no_unit_behind(host, demo, deploy):
    # With a new settings file, which restarts the application.
    settings = [{"dest": "instance/settings.cfg", "content": 'DEMO_FILE_SETTING = "changed"\n'}]
    result = deploy("6.0.0", ("0002_tags", "CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT)"), processes={}, settings_files=settings)
    assert result.returncode == 0, result.output[-3000:]
    assert fetch_app(host, demo, "/whoami").json()["file_setting"] == "changed"
    assert not host.service(WORKER).is_running
    assert host.run(f"systemctl show -p LoadState --value {WORKER}").stdout.strip() == "not-found"
    assert not host.file("/etc/systemd/system/flaskstack-demo_worker@.service").exists
    assert not host.file(f"/etc/systemd/system/multi-user.target.wants/{WORKER}").exists
    assert host.service(f"{TICK}.timer").is_running
    # Back to the demo's own code (its first release, kept) with its worker.
    result = deploy()
    assert result.returncode == 0, result.output[-3000:]
    assert version(host, demo) == "1.0.0"
    assert host.service(WORKER).is_running and host.service(WORKER).is_enabled
    assert fetch_app(host, demo, "/whoami").json()["file_setting"] == "from settings.cfg"


def test_the_host_is_left_with_the_releases_it_had(host, demo, releases_before):
    kept, previous = releases_before
    made = set(host.file(demo["releases_dir"]).listdir()) - kept
    live = host.file(demo["current_link"]).linked_to.rsplit("/", 1)[-1]
    assert live in kept, (live, kept)
    for release in made:
        host.check_output(f"rm -rf {demo['releases_dir']}/{release}")
    if previous:
        host.check_output(f"ln -sfn releases/{previous.rsplit('/', 1)[-1]} {demo['previous_link']}")
    else:
        host.check_output(f"rm -f {demo['previous_link']}")
    assert set(host.file(demo["releases_dir"]).listdir()) == kept
