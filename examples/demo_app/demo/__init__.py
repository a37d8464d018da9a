"""A small Flask application used to demonstrate and test flaskstack.deploy."""

import getpass
import hashlib
import os
import pathlib
import time

from flask import Flask, jsonify, render_template_string, request

from demo import life

VERSION = (pathlib.Path(__file__).parent / "VERSION").read_text(encoding="utf-8").strip()

PAGE = """<!doctype html>
<html lang="en">
<head><title>{{ name }}</title><link rel="stylesheet" href="{{ url_for('static', filename='style.css') }}"></head>
<body><h1>{{ greeting }}</h1><p>{{ name }} {{ version }}, served by flaskstack.deploy.</p></body>
</html>
"""


def create_app():
    """Build the application; its settings come from the environment."""
    # Settings files are read from the instance folder (instance/settings.cfg).
    app = Flask(__name__, instance_relative_config=True)
    app.config["GREETING"] = os.environ.get("DEMO_GREETING", "Hello from Flask")
    app.config["APP_NAME"] = os.environ.get("DEMO_NAME", "demo")
    app.config["SECRET_KEY"] = os.environ.get("SECRET_KEY")
    # Settings from a file in the instance folder too, as Flask's docs show (none by default).
    app.config.from_pyfile("settings.cfg", silent=True)

    @app.after_request
    def mark_response(response):
        # Lets a test tell a response from the application from one Nginx made.
        response.headers["X-Served-By"] = "flask"
        return response

    @app.get("/")
    def index():
        return render_template_string(
            PAGE, greeting=app.config["GREETING"], name=app.config["APP_NAME"], version=VERSION
        )

    @app.get("/health")
    def health():
        return jsonify(status="ok", name=app.config["APP_NAME"], version=VERSION)

    @app.get("/slow")
    def slow():
        """A long request (at most 10 s): deploys must let it finish."""
        seconds = min(float(request.args.get("seconds", 3)), 10.0)
        time.sleep(seconds)
        return jsonify(slept=seconds, name=app.config["APP_NAME"], version=VERSION)

    @app.get("/whoami")
    def whoami():
        """What the application sees of the request and of itself."""
        return jsonify(
            remote_addr=request.remote_addr,
            scheme=request.scheme,
            host=request.host,
            script_root=request.script_root,
            url=request.url,
            user=getpass.getuser(),
            secret_key_set=bool(app.config["SECRET_KEY"]),
            # A digest, so that a test can check the exact value without the value being shown.
            secret_key_sha256=hashlib.sha256((app.config["SECRET_KEY"] or "").encode()).hexdigest(),
            # From instance/settings.cfg, when there is one.
            file_setting=app.config.get("DEMO_FILE_SETTING"),
            file_secret_sha256=hashlib.sha256((app.config.get("DEMO_FILE_SECRET") or "").encode()).hexdigest(),
        )

    # Migrations, queue jobs and a scheduled job (demo/life.py).
    life.register(app, VERSION)
    return app
