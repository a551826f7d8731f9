"""Write the contract files generated from the code (webgis.services.contract_files):

    .venv/bin/python scripts/contract_files.py            # schema and sample
    .venv/bin/python scripts/contract_files.py --schema   # the schema only (no database)

The sample needs the local database with the bundled dataset (`scripts/run.sh`, or
`webgis localdb start && webgis db upgrade && webgis load-data`).
"""

from __future__ import annotations

import argparse

from webgis.services import contract_files as cf


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--schema", action="store_true", help="write the schema only")
    args = ap.parse_args()
    cf.SCHEMA_PATH.write_bytes(cf.schema_text())
    print(f"wrote {cf.SCHEMA_PATH.relative_to(cf.ROOT)}")
    if args.schema:
        return
    from webgis import create_app
    from webgis.extensions import db

    with create_app({"WARM_TRANSFERS": False}).app_context():
        cf.SAMPLE_PATH.write_bytes(cf.sample_text(db.session))
    print(f"wrote {cf.SAMPLE_PATH.relative_to(cf.ROOT)}")


if __name__ == "__main__":
    main()
