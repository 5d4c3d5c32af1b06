"""The review app at the program's edge: built from the settings, served with uvicorn, for
``sanzi-audit serve-review``.

The settings (:mod:`flows.settings`) name the store (``SANZI_DB_URL``, else SQLite in the data
directory), the cookie secret (``SANZI_SECRET_KEY``, else a key kept in the data directory),
the cookie policy (``SANZI_SECURE_COOKIES=1`` when the app is reached over HTTPS), the zone
pages show times in (``SANZI_TIMEZONE``) and the trail key (``SANZI_TRAIL_KEY``, else
``trail_key`` in the data directory), which seals the audit trail (review/trail_anchor.py): the
pipeline's processes must use the same one. :func:`review.app.create_app` is given these values.
"""

from __future__ import annotations

import uvicorn
from fastapi import FastAPI

from flows.settings import Settings
from review.app import create_app
from review.security import load_secret_key


def review_app(settings: Settings) -> FastAPI:
    """The app over the store the settings name, with their secret, cookie policy and zone."""
    return create_app(
        settings.open_store(),
        secret_key=load_secret_key(
            settings.data_dir, settings.secret_key.get_secret_value() if settings.secret_key
            else None),
        evidence_dir=settings.evidence_dir,
        secure_cookies=settings.secure_cookies,
        zone=settings.zone,
    )


def serve_review(settings: Settings, *, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Run the review app with uvicorn until interrupted (default: this machine only)."""
    app = review_app(settings)
    print(f"复核网站：http://{host}:{port} （按 Ctrl+C 停止）", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
