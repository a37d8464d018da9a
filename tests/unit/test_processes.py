"""Unit tests for process types, jobs, release commands and one-off commands (module_utils/processes.py)."""

from ansible_collections.flaskstack.deploy.plugins.module_utils import layout, processes, releases, sandbox
from test_layout import app
from test_releases import lay

WORKER = {"worker": "rq worker --url redis://127.0.0.1:6379/0 shop"}
JOBS = {"purge": {"command": "flask --app shop purge", "on_calendar": "daily", "randomized_delay": 600}}


def errors(**overrides):
    return layout.schema.app_errors([app(**overrides)])


def test_process_types_become_template_units_with_their_instances():
    (proc,) = lay(processes={"worker": {"command": "rq worker", "instances": 2, "stop_timeout": 90}})["processes"]
    assert proc["unit"] == "flaskstack-demo_worker@.service"
    assert proc["instance_units"] == ["flaskstack-demo_worker@1.service", "flaskstack-demo_worker@2.service"]
    assert proc["stop_timeout"] == 90
    (short,) = lay(processes=WORKER)["processes"]
    assert (short["instances"], short["stop_timeout"]) == (1, processes.DEFAULT_STOP_TIMEOUT)


def test_jobs_become_a_service_and_its_timer():
    (job,) = lay(jobs=JOBS)["jobs"]
    assert (job["service"], job["timer"]) == ("flaskstack-demo_purge.service", "flaskstack-demo_purge.timer")
    assert (job["randomized_delay"], job["persistent"], job["timeout"]) == (600, True, processes.DEFAULT_JOB_TIMEOUT)


def test_commands_are_quoted_for_systemd_and_run_by_bash():
    assert processes.exec_start('echo "a b" $HOME 50% \\n') == '/bin/bash -c "echo \\"a b\\" $$HOME 50%% \\\\n"'


def test_bad_process_types_and_jobs_are_refused_with_the_key_named():
    assert errors(processes={"worker": ""})
    assert errors(processes={"Worker": "rq worker"})
    assert errors(processes={"worker": {"command": "rq worker", "instances": 0}})
    assert errors(processes={"worker": {"command": "rq worker", "replicas": 2}})
    assert errors(processes=["rq worker"])
    assert errors(jobs={"purge": {"command": "x"}})
    assert errors(jobs={"purge": {"command": "x", "on_calendar": "daily", "persistent": "yes"}})
    assert errors(jobs={"worker": {"command": "x", "on_calendar": "daily"}}, processes=WORKER)
    assert any("container runtime" in e for e in errors(processes=WORKER, runtime="container"))
    assert any("release_command" in e for e in errors(release_command=""))
    assert not errors(processes=WORKER, jobs=JOBS, release_command="flask db upgrade")


def test_left_units_are_what_the_host_has_and_the_applications_no_longer_want():
    one = lay(processes={"worker": {"command": "rq worker", "instances": 1}}, jobs=JOBS)
    found = [
        "/etc/systemd/system/flaskstack-demo_worker@.service",
        "/etc/systemd/system/flaskstack-demo_purge.service",
        "/etc/systemd/system/flaskstack-demo_purge.timer",
        "/etc/systemd/system/flaskstack-demo_old.service",
        "/etc/systemd/system/flaskstack-demo_old.timer",
        "/etc/systemd/system/flaskstack-demo_mailer@.service",
        "/etc/systemd/system/multi-user.target.wants/flaskstack-demo_worker@1.service",
        "/etc/systemd/system/multi-user.target.wants/flaskstack-demo_worker@2.service",
        "/etc/systemd/system/multi-user.target.wants/flaskstack-demo_mailer@1.service",
        "/etc/systemd/system/timers.target.wants/flaskstack-demo_purge.timer",
        "/etc/systemd/system/timers.target.wants/flaskstack-demo_old.timer",
    ]
    # What stack_info returns for its globs: only the patterns of unit_globs count.
    by_pattern = {"/srv/flaskstack/demo/releases/*": ["/srv/flaskstack/demo/releases/r1"], "/etc/systemd/system/flaskstack-demo_*": found}
    left = processes.left_units([one], by_pattern)
    assert left["files"] == [
        "/etc/systemd/system/flaskstack-demo_mailer@.service",
        "/etc/systemd/system/flaskstack-demo_old.service",
        "/etc/systemd/system/flaskstack-demo_old.timer",
    ]
    assert sorted(left["units"]) == sorted([
        "flaskstack-demo_old.service", "flaskstack-demo_old.timer", "flaskstack-demo_worker@2.service", "flaskstack-demo_mailer@1.service",
    ])  # fmt: skip
    # Another application whose name starts the same has units of its own.
    assert processes.unit_globs([one]) == [
        "/etc/systemd/system/flaskstack-demo_*",
        "/etc/systemd/system/multi-user.target.wants/flaskstack-demo_*",
        "/etc/systemd/system/timers.target.wants/flaskstack-demo_*",
    ]


def test_restarts_follow_the_applications_named_and_the_changed_unit_files():
    one = lay(processes=WORKER, jobs=JOBS)
    running = {"flaskstack-demo_worker@1.service": {"active_state": "active"}, "flaskstack-demo_purge.timer": {"active_state": "active"}}
    assert processes.restarts([one], ["demo"], [], running) == ["flaskstack-demo_worker@1.service"]
    assert processes.restarts([one], ["blog"], [], running) == []
    # A unit that does not run is started, not restarted.
    assert processes.restarts([one], ["demo"], [], {"flaskstack-demo_worker@1.service": {"active_state": "failed"}}) == []
    assert processes.restarts([one], ["demo"], ["/etc/systemd/system/flaskstack-demo_purge.timer"], running) == [
        "flaskstack-demo_worker@1.service", "flaskstack-demo_purge.timer",
    ]  # fmt: skip
    changed = processes.changed_units([one], ["/etc/systemd/system/flaskstack-demo_purge.timer"])
    assert changed == ["flaskstack-demo_worker@1.service", "flaskstack-demo_purge.timer"]
    assert processes.changed_units([one], ["/etc/flaskstack/demo/app.env"]) == []


def test_a_release_command_runs_on_the_first_host_of_the_batch_that_builds_the_release():
    # web1 builds shop and blog; web2 builds shop (and has blog already); web3 builds blog only.
    assert processes.release_command_apps(["shop", "blog"], []) == ["shop", "blog"]
    assert processes.release_command_apps(["shop"], [["shop", "blog"]]) == []
    assert processes.release_command_apps(["blog", "cart"], [["shop"], ["shop"]]) == ["blog", "cart"]


def test_the_release_command_is_the_last_check_and_only_where_it_runs():
    one = lay(release_command="flask --app shop db upgrade", test_command="pytest -q")
    release = {"app": one, "name": "demo", "id": "a" * 12, "source_digest": "s", "env_id": "e" * 12, "marker": "/m",
               "venv_dir": "/v", "wsgi_dir": "/w", "code_dir": "/c"}  # fmt: skip
    here = releases.check_item(release, ["run"], release_command=True)
    assert [s["step"] for s in here["steps"]] == ["probe", "test", "release"]
    assert here["steps"][-1]["argv"] == ["run", "/bin/sh", "-c", "flask --app shop db upgrade"]
    assert [s["step"] for s in releases.check_item(release, ["run"])["steps"]] == ["probe", "test"]
    (message,) = releases.failure_messages([{"name": "demo", "passed": False, "failed_step": "release", "rc": 1, "stdout": "boom"}],
                                           [release], {"demo": "b" * 12})  # fmt: skip
    assert "its release command (flask --app shop db upgrade)" in message and "keeps serving" in message


def test_a_one_off_command_runs_in_the_live_release_with_the_settings_and_the_sandbox():
    one = lay(secret_env={"SECRET_KEY": "x"})
    argv = sandbox.live_command(one, "flask --app shop init-db")
    assert argv[-3:] == ["/bin/sh", "-c", "flask --app shop init-db"]
    assert "--working-directory=/srv/flaskstack/demo/current/app" in argv
    assert "--property=EnvironmentFile=/etc/flaskstack/demo/secrets.env" in argv
    assert "--property=User=demo" in argv and "--property=ProtectSystem=strict" in argv


def test_secret_values_are_masked_in_output():
    assert processes.redact("key=abc abcdef", ["abc", "abcdef", "", None]) == f"key={processes.MASK} {processes.MASK}"
    assert processes.redact(None, ["x"]) == ""


def test_settings_files_go_into_a_shared_directory_readable_by_the_group_only():
    one = lay(shared_dirs=["instance"], settings_files=[{"dest": "instance/settings.cfg", "content": "A = 1\n"},
                                                        {"dest": "instance/public.cfg", "template": "/t/p.j2", "secret": False}])  # fmt: skip
    entries = layout.settings_file_entries([one], "settings_file.j2")
    assert entries[0] == {"dest": "/srv/flaskstack/demo/shared/instance/settings.cfg", "owner": "root", "group": "demo", "mode": "0640",
                          "secret": True, "template": "settings_file.j2", "vars": {"item": one, "settings_file": 0}}  # fmt: skip
    assert entries[1]["template"] == "/t/p.j2" and entries[1]["secret"] is False
    # The content is in no layout: layouts are shown in Ansible's output.
    assert "A = 1" not in str(one)
    assert layout.changed_apps([one], ["/srv/flaskstack/demo/shared/instance/public.cfg"], "settings_files") == ["demo"]
    assert layout.changed_apps([one], ["/etc/flaskstack/demo/app.env"], "settings_files") == []
    assert errors(shared_dirs=["instance"], settings_files=[{"dest": "config/settings.cfg", "content": ""}])
    assert errors(shared_dirs=["instance"], settings_files=[{"dest": "instance/a.cfg", "content": "", "template": "x"}])
    assert errors(shared_dirs=["instance"], settings_files=[{"dest": "instance/a.cfg"}])
    assert errors(shared_dirs=["instance"], settings_files=[{"dest": "instance/a.cfg", "content": ""}] * 2)
    assert errors(shared_dirs=["instance"], settings_files=[{"dest": "instance/../x", "content": ""}])
