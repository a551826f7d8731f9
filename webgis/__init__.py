"""Gansu river environmental emergency GIS: the app factory."""

from __future__ import annotations

from typing import Any

from flask import Flask


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app from the environment, overridden by `test_config`."""
    from dotenv import load_dotenv

    from webgis import config
    from webgis.extensions import babel, csrf, db, login_manager, migrate

    load_dotenv(config.PROJECT_ROOT / ".env", override=False)
    from webgis.jsonprovider import WebgisFlask

    app = WebgisFlask(
        __name__,
        static_folder=str(config.PROJECT_ROOT / "static"),
        static_url_path="/static",
    )
    app.config.from_mapping(config.from_environment())
    if test_config:
        app.config.update(test_config)
    from webgis.secret_key import ensure_secret_key

    ensure_secret_key(app)

    from webgis import edge

    edge.init_app(app)  # before any route: the bounded <int:> converter
    db.init_app(app)
    migrate.init_app(app, db, directory=str(config.PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)

    from webgis import i18n

    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.init_app(app)

    from webgis import models  # noqa: F401  (register every table)
    from webgis.api import bp as api_bp
    from webgis.auth import init_app as init_auth
    from webgis.commands import register as register_commands
    from webgis.errors_http import register_error_handlers
    from webgis.web import bp as web_bp
    from webgis.web.registers import bp as registers_bp

    init_auth(app)
    csrf.exempt(api_bp)  # the JSON API checks CSRF itself on writes (webgis.auth.require_role)
    register_commands(app)
    app.register_blueprint(api_bp)
    app.register_blueprint(web_bp)
    app.register_blueprint(registers_bp)
    from webgis.ogc import init_app as init_ogc  # OGC API - Features at /ogc (pygeoapi)

    init_ogc(app)
    register_error_handlers(app)
    from webgis.compression import init_app as init_compression
    from webgis.proxy import init_app as init_proxy

    init_compression(app)
    init_proxy(app)
    if app.config["WARM_TRANSFERS"] and not app.config.get("TESTING"):
        from webgis.config import Settings
        from webgis.services.warmup import start_warmup

        start_warmup(app, Settings.from_mapping(app.config))
    return app
