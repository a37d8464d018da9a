"""Module-level WSGI application, for the "module:app" form of the entry point."""

from demo import create_app

app = create_app()
