"""`make hsds-valid`: every record `kring export hsds` writes, checked against the official HSDS 3.0 JSON Schemas.

Not part of `make test`: the schemas are not in the project. Give their folder
as the first argument (the `compiled` folder of openreferral/specification 3.0). The nested services,
organizations and services at locations have a compiled schema each; every other kind of record is checked
against its part of the compiled service schema.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import msgspec
from jsonschema import Draft202012Validator, FormatChecker

from server import catalog, db, hsds, loader

ROOT = Path(__file__).resolve().parent.parent
# Each flat file's records, as a path into the compiled service.json.
PARTS = {
    "locations": ["service_at_locations", "location"],
    "schedules": ["schedules"],
    "languages": ["languages"],
    "phones": ["phones"],
    "contacts": ["contacts"],
    "cost_options": ["cost_options"],
    "accessibility": ["service_at_locations", "location", "accessibility"],
    "attributes": ["attributes"],
    "taxonomy_terms": ["attributes", "taxonomy_term"],
    "taxonomies": ["attributes", "taxonomy_term", "taxonomy_detail"],
}


def part(schema: dict, path: list[str]) -> dict:
    for name in path:
        schema = schema["properties"][name]
        schema = schema.get("items", schema)
    return schema


def main(schemas: Path) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "kring.sqlite"
        db.run_write(path, lambda conn: loader.load(conn, loader.read(ROOT / "data")))
        files = json.loads(msgspec.json.encode(hsds.export(db.run_read(path, catalog.build))))
    compiled = {
        name: json.loads((schemas / f"{name}.json").read_text())
        for name in ("service", "organization", "service_at_location")
    }
    checks = {"services": compiled["service"], "organizations": compiled["organization"],
              "service_at_locations": compiled["service_at_location"]}  # fmt: skip
    checks.update({name: part(compiled["service"], p) for name, p in PARTS.items()})
    bad = 0
    for name, records in files.items():
        validator = Draft202012Validator(checks[name], format_checker=FormatChecker())
        errors = [(r.get("id"), e) for r in records for e in validator.iter_errors(r)]
        for rid, e in errors[:5]:
            print(f"{name}: {rid}: {'/'.join(map(str, e.absolute_path))}: {e.message}")
        print(f"{name}: {len(records)} records, {len(errors)} errors")
        bad += len(errors)
    return 1 if bad else 0


if __name__ == "__main__":
    if len(sys.argv) != 2 or not Path(sys.argv[1], "service.json").is_file():
        sys.exit("usage: python -m tests.hsds_valid SCHEMAS (the folder with HSDS 3.0's compiled service.json)")
    sys.exit(main(Path(sys.argv[1])))
