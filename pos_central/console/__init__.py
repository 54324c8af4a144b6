"""The brand operations console: server-rendered pages under /console (docs/console.md).

``install(app)`` adds its routes to the service's FastAPI app; ``tables`` holds its own tables
(imported by pos_central.models so the schema and migration 0007 stay one).
"""
