"""Serve the review app: settings from the environment, for ``sanzi-audit serve-review``.

``SANZI_DB_URL`` (else SQLite in the data directory), ``SANZI_SECRET_KEY`` (else a key kept in
the data directory), ``SANZI_SECURE_COOKIES=1`` when the app is reached over HTTPS, and
``SANZI_TRAIL_KEY`` (else ``trail_key`` in the data directory), which seals the audit trail
(review/trail_anchor.py): the pipeline's processes must use the same one.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import uvicorn
from fastapi import FastAPI

from flows.settings import load_settings
from review.app import create_app
from review.security import load_secret_key
from review.store import default_store_url, open_store

TRUE_WORDS = {"1", "true", "yes", "on"}


def review_app_from_environment(
    environ: Mapping[str, str] | None = None, *, db_url: str | None = None
) -> FastAPI:
    """The app over the configured store, with the configured secret and cookie policy."""
    env = os.environ if environ is None else environ
    settings = load_settings(dict(env))
    store = open_store(db_url or default_store_url(env))
    return create_app(
        store,
        secret_key=load_secret_key(settings.data_dir, env),
        evidence_dir=settings.data_dir / "evidence",
        secure_cookies=env.get("SANZI_SECURE_COOKIES", "").strip().lower() in TRUE_WORDS,
    )


def serve_review(*, host: str = "127.0.0.1", port: int = 8000, db_url: str | None = None) -> None:
    """Run the review app with uvicorn until interrupted (default: this machine only)."""
    app = review_app_from_environment(db_url=db_url)
    print(f"复核网站：http://{host}:{port} （按 Ctrl+C 停止）", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
