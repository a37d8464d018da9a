"""A small packaged Flask application: its settings from config.py in its
instance folder, its notes in a SQLite database there."""

import importlib.metadata
import os
import sqlite3

import click
import humanize
from flask import Flask, current_app, jsonify


def connect(read_only=False):
    """The database; read-only, it must exist (connect() would make an empty one)."""
    if read_only:
        return sqlite3.connect(f"file:{current_app.config['DATABASE']}?mode=ro", uri=True)
    return sqlite3.connect(current_app.config["DATABASE"])


def create_app():
    """Build the application (the factory of Flask's tutorial)."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(DATABASE=os.path.join(app.instance_path, "notes.sqlite"), NOTES_TITLE="Notes")
    app.config.from_pyfile("config.py", silent=True)

    @app.get("/health")
    def health():
        return jsonify(status="ok", version=importlib.metadata.version("notes"))

    @app.get("/")
    def index():
        # null before "flask --app notes init-db" made the database.
        try:
            with connect(read_only=True) as db:
                notes = humanize.apnumber(db.execute("SELECT COUNT(*) FROM note").fetchone()[0])
        except sqlite3.OperationalError:
            notes = None
        return jsonify(title=app.config["NOTES_TITLE"], notes=notes, instance_path=app.instance_path)

    @app.cli.command("init-db")
    def init_db():
        """Create the database unless it exists (a release command runs at every deploy)."""
        os.makedirs(app.instance_path, exist_ok=True)
        with connect() as db:
            db.execute("CREATE TABLE IF NOT EXISTS note (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
            if not db.execute("SELECT COUNT(*) FROM note").fetchone()[0]:
                db.execute("INSERT INTO note (body) VALUES ('the first note')")
        click.echo(f"The database is in {app.instance_path}.")

    return app
