"""The session signing key: from `SECRET_KEY`, or generated once per installation.

No key lives in the code: a constant in the repository would let anyone forge a session
cookie. Outside production an unset `SECRET_KEY` means "use the key in the instance folder,
generating it on the first start"; production refuses to start without an explicit key (a
key that silently changes with a new container would sign everyone out, and one generated
inside an image layer would be shared by every copy of the image).
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

from flask import Flask

from webgis.errors import WebgisError

#: Hex characters of a generated key (256 bits).
KEY_HEX_CHARS = 64
#: How long a worker waits for another one that is writing the key at the same moment.
WAIT_FOR_WRITER_S = 5.0


class SecretKeyError(WebgisError, RuntimeError):
    """The key is missing where it must be explicit, or the key file is unusable."""

    code = "secret_key"


def key_file_for(app: Flask) -> Path:
    """`SECRET_KEY_FILE`, or `secret_key` in the app's instance folder."""
    configured = app.config.get("SECRET_KEY_FILE")
    return Path(configured) if configured else Path(app.instance_path) / "secret_key"


def ensure_secret_key(app: Flask) -> None:
    """Give `app` a signing key: the configured one, else the installation's own one."""
    if app.config.get("SECRET_KEY"):
        return
    if app.config.get("ENV") == "production":
        raise SecretKeyError(
            "SECRET_KEY must be set in production (WEBGIS_ENV=production); generate one with "
            "python3 -c \"import secrets; print(secrets.token_hex(32))\" (see .env.example)")
    app.config["SECRET_KEY"] = load_or_create(key_file_for(app))


def load_or_create(path: Path) -> str:
    """The key stored at `path`, creating it (mode 0600) when there is none.

    Creation is `O_CREAT | O_EXCL`: when two gunicorn workers start at once exactly one
    creates the file and writes the key; the other finds it existing and reads it back (waiting
    briefly while it is still empty), so both sign with the same key.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags, 0o600)
    except FileExistsError:
        return _read(path)
    key = secrets.token_hex(KEY_HEX_CHARS // 2)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(key + "\n")
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)
    return key


def _read(path: Path) -> str:
    deadline = time.monotonic() + WAIT_FOR_WRITER_S
    while True:
        key = path.read_text(encoding="ascii").strip()
        if len(key) >= KEY_HEX_CHARS or time.monotonic() > deadline:
            break
        time.sleep(0.05)  # another worker created the file and is writing the key
    if len(key) < 32:
        raise SecretKeyError(f"the key file {path} holds no usable key (fewer than 32 "
                             "characters); delete it to generate a new one, or set SECRET_KEY")
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        os.chmod(path, 0o600)  # readable by others: tighten it (the key stays the same)
    return key


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
