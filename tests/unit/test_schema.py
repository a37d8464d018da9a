"""The application schema is the one source of an application's keys: the app
role's argument specification and the README's key table are written from it
(scripts/gen-schema), and the other roles do not repeat it."""

import ast
import pathlib

import pytest
import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible_collections.flaskstack.deploy.plugins.module_utils import pairings, schema

REPO = pathlib.Path(__file__).resolve().parents[2]


def test_the_app_role_specification_is_the_schema():
    text = (REPO / "roles/app/meta/argument_specs.yml").read_text()
    assert schema.replace_marked(text, schema.SPEC_BEGIN, schema.SPEC_END, schema.argument_spec_yaml()) == text, (
        "roles/app/meta/argument_specs.yml differs from the schema: run scripts/gen-schema"
    )
    spec = yaml.safe_load(text)["argument_specs"]["main"]["options"]["app_apps"]["options"]
    assert set(spec) == set(schema.APP_KEYS)


def test_the_readme_key_table_is_the_schema():
    text = (REPO / "README.md").read_text()
    assert schema.replace_marked(text, schema.README_BEGIN, schema.README_END, schema.readme_table()) == text, (
        "README.md differs from the schema: run scripts/gen-schema"
    )


@pytest.mark.parametrize("role", ["python", "gunicorn", "uwsgi", "mod_wsgi", "nginx", "apache", "tls"])
def test_the_other_roles_do_not_repeat_the_schema(role):
    specs = yaml.safe_load((REPO / "roles" / role / "meta" / "argument_specs.yml").read_text())["argument_specs"]
    for entry in specs.values():
        for name, option in (entry.get("options") or {}).items():
            if name.endswith("_apps"):
                assert option["type"] == "list" and "options" not in option, f"{role}: {name} repeats the application schema"


def test_the_generated_specification_accepts_what_the_checks_accept():
    spec = {"apps": {"type": "list", "elements": "dict", "options": schema.argument_spec()}}
    good = {"name": "shop", "source": {"git": "https://example.test/shop.git", "version": "v1"}, "entry_point": "shop:app", "port": 8080,
            "tls": {"acme": True}, "shared_dirs": ["instance"], "wheelhouse": "/srv/wheels", "app_server": "uwsgi"}  # fmt: skip
    assert not ArgumentSpecValidator(spec).validate({"apps": [good]}).error_messages
    assert schema.app_errors([good], "gunicorn", "nginx") == []
    bad = ArgumentSpecValidator(spec).validate({"apps": [dict(good, port="eighty")]})
    assert any("port" in m for m in bad.error_messages)


def test_every_key_has_its_documentation_and_check():
    for key, entry in schema.APP_KEYS.items():
        assert entry["doc"] and entry["summary"] and entry["default"] and callable(entry["check"]), key
    assert schema.APP_KEYS["app_server"]["spec"]["choices"] == list(pairings.APP_SERVERS)


FILTERS = sorted((REPO / "plugins" / "filter").glob("*.py"))


@pytest.mark.parametrize("path", FILTERS, ids=[p.stem for p in FILTERS])
def test_each_filter_file_documents_the_one_filter_it_holds(path):
    tree = ast.parse(path.read_text())
    docs = {n.targets[0].id: n.value.value for n in tree.body if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") in ("DOCUMENTATION", "EXAMPLES", "RETURN")}
    assert set(docs) == {"DOCUMENTATION", "EXAMPLES", "RETURN"}
    assert yaml.safe_load(docs["DOCUMENTATION"])["name"] == path.stem
    assert "_value" in yaml.safe_load(docs["RETURN"])
    assert yaml.safe_load(docs["EXAMPLES"])
    namespace = {}
    exec(compile(path.read_text(), str(path), "exec"), namespace)  # noqa: S102 - the collection's own file
    assert set(namespace["FilterModule"]().filters()) == {path.stem}


def test_the_check_key_changes_with_the_list_and_the_pairing_but_shows_no_secret():
    apps = [{"name": "demo", "source": {"path": "/src"}, "entry_point": "demo:app", "secret_env": {"KEY": "s3cret"}}]
    key = schema.check_key(apps)
    assert key == schema.check_key([dict(apps[0])])
    assert key != schema.check_key([dict(apps[0], port=8080)])
    assert key != schema.check_key(apps, app_server="uwsgi")
    assert key != schema.check_key(apps, web_server="apache")
    # A secret's value does not enter the digest; a new secret does.
    assert key == schema.check_key([dict(apps[0], secret_env={"KEY": "other"})])
    assert key != schema.check_key([dict(apps[0], secret_env={"KEY": "s3cret", "MORE": "x"})])
