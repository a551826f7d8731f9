"""Sign-in timing: does a failed sign-in take as long for an unknown user as for a known one?

A failure that returns early for unknown usernames tells an attacker which accounts exist.
Prints the median and p90 of failed sign-ins for an existing account (wrong password) and
for a username that does not exist, through the real login route and a real database.

    .venv/bin/python benchmarks/bench_login.py                 # the local `webgis_test` database
    .venv/bin/python benchmarks/bench_login.py --rounds 40 --database-url postgresql+psycopg://...

A throw-away account is created for the run and deleted afterwards; the sign-in throttle is
raised for the run so that every attempt reaches the password check.
"""

from __future__ import annotations

import argparse
import re
import secrets
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _csrf(client) -> str:
    html = client.get("/login").get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def _fail_times(client, username: str, rounds: int) -> list[float]:
    token = _csrf(client)
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        resp = client.post("/login", data={"username": username, "password": "wrong-password-x",
                                           "csrf_token": token})
        times.append(time.perf_counter() - t0)
        assert resp.status_code == 401, resp.status_code
    return times


def main() -> None:
    from sqlalchemy import delete

    from webgis import create_app
    from webgis.config import local_database_url
    from webgis.extensions import db
    from webgis.models import User

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--database-url", default=None,
                        help="default: the local cluster's webgis_test database")
    args = parser.parse_args()
    url = args.database_url or local_database_url("webgis_test")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url,
                      "SECRET_KEY": secrets.token_hex(32),
                      "LIMIT_LOGIN_ACCOUNT": "100000 per minute",
                      "LIMIT_LOGIN_ADDRESS": "100000 per minute"})
    name = f"bench_{secrets.token_hex(4)}"
    with app.app_context():
        user = User(username=name, role="field_team")
        user.set_password(secrets.token_urlsafe(16))
        db.session.add(user)
        db.session.commit()
    try:
        client = app.test_client()
        _fail_times(client, name, 3)  # warm both paths
        _fail_times(client, "nobody_" + secrets.token_hex(4), 3)
        known = _fail_times(client, name, args.rounds)
        unknown = _fail_times(client, "nobody_" + secrets.token_hex(4), args.rounds)
    finally:
        with app.app_context():
            db.session.execute(delete(User).where(User.username == name))
            db.session.commit()
            db.engine.dispose()

    def fmt(xs: list[float]) -> str:
        q = statistics.quantiles(xs, n=10)
        return f"median {statistics.median(xs) * 1000:7.1f} ms   p90 {q[-1] * 1000:7.1f} ms"

    print(f"failed sign-in, existing account: {fmt(known)}")
    print(f"failed sign-in, unknown username: {fmt(unknown)}")
    ratio = statistics.median(unknown) / statistics.median(known)
    print(f"ratio unknown/known (medians): {ratio:.2f}")


if __name__ == "__main__":
    main()
