"""What the demo runs besides its web pages, to show the rest of an application's
life: database migrations (the "migrate" command, a release command), a queue
worker's jobs (RQ, with Redis at DEMO_REDIS_URL) and a scheduled job (the
"tick" command). The database is SQLite in Flask's instance folder."""

import json
import os
import pathlib
import re
import sqlite3
import time

import click
from flask import current_app, jsonify, request

VERSION = (pathlib.Path(__file__).parent / "VERSION").read_text(encoding="utf-8").strip()

# The migrations of this version of the code, applied in order, each once.
MIGRATIONS = [
    ("0001_notes", "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)"),
]


def database():
    path = pathlib.Path(current_app.instance_path) / "demo.sqlite3"
    return sqlite3.connect(path, timeout=10)


def migrate(version):
    """Apply the migrations not applied yet; note the run (one per release command)."""
    with database() as db:
        db.execute("CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, version TEXT, applied_at REAL)")
        db.execute("CREATE TABLE IF NOT EXISTS migrate_runs (version TEXT, pid INTEGER, at REAL)")
        done = {row[0] for row in db.execute("SELECT id FROM schema_migrations")}
        applied = []
        for name, statement in MIGRATIONS:
            if name not in done:
                db.execute(statement)
                db.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)", (name, version, time.time()))
                applied.append(name)
        db.execute("INSERT INTO migrate_runs VALUES (?, ?, ?)", (version, os.getpid(), time.time()))
    return applied


def record(seconds, until=None):
    """A queue job: waits seconds (with until, a file's path: until that file
    exists, at most seconds), then answers which release ran it (the one the
    worker imported this module from when it took the job)."""
    started = time.monotonic()
    deadline = started + seconds
    while time.monotonic() < deadline and not (until and os.path.exists(until)):
        time.sleep(min(0.2, max(0.0, deadline - time.monotonic())) if until else max(0.0, deadline - time.monotonic()))
    return {"slept": round(time.monotonic() - started, 1), "version": VERSION, "pid": os.getpid()}


def register(app, version):
    """The demo's commands and the routes that show their effect."""

    @app.cli.command("migrate")
    def migrate_command():
        """Apply the database migrations."""
        applied = migrate(version)
        click.echo(f"migrated to {version}: applied {', '.join(applied) or 'nothing'}")

    @app.cli.command("tick")
    def tick_command():
        """The scheduled job: note the time; fail while instance/tick-fail exists."""
        folder = pathlib.Path(app.instance_path)
        if (folder / "tick-fail").exists():
            raise click.ClickException("tick: instance/tick-fail exists, failing on purpose")
        with open(folder / "ticks.log", "a", encoding="utf-8") as log:
            log.write(json.dumps({"version": version, "at": time.time()}) + "\n")
        click.echo(f"tick {version}")

    @app.get("/migrations")
    def migrations():
        with database() as db:
            applied = [r[0] for r in db.execute("SELECT id FROM schema_migrations ORDER BY id")]
            runs = [{"version": r[0], "pid": r[1]} for r in db.execute("SELECT version, pid FROM migrate_runs ORDER BY at")]
        return jsonify(applied=applied, runs=runs)

    def queue():
        url = os.environ.get("DEMO_REDIS_URL")
        if not url:
            return None
        from redis import Redis
        from rq import Queue

        return Queue(app.config["APP_NAME"], connection=Redis.from_url(url))

    @app.post("/jobs")
    def enqueue():
        jobs = queue()
        if jobs is None:
            return jsonify(error="no queue (DEMO_REDIS_URL)"), 404
        seconds = min(float(request.args.get("seconds", 0)), 600.0)
        # until=NAME: the job ends when the file NAME appears in the instance folder.
        until = request.args.get("until", "")
        if until and not re.fullmatch(r"[a-z0-9-]+", until):
            return jsonify(error="until: a file name of a-z, 0-9 and -"), 400
        until = str(pathlib.Path(app.instance_path) / until) if until else None
        job = jobs.enqueue("demo.life.record", seconds, until, job_timeout=seconds + 60, result_ttl=3600)
        return jsonify(id=job.id), 202

    @app.get("/jobs/<job_id>")
    def job_state(job_id):
        jobs = queue()
        if jobs is None:
            return jsonify(error="no queue (DEMO_REDIS_URL)"), 404
        job = jobs.fetch_job(job_id)
        if job is None:
            return jsonify(error="no such job"), 404
        return jsonify(id=job.id, status=job.get_status(refresh=True), result=job.return_value())
