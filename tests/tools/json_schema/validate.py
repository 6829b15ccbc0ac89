#!/usr/bin/env python3
"""Validates JSON documents against the schemas of docs/schema (docs/cli.md, "JSON output").

usage: validate.py SCHEMA_DIR SCHEMA_NAME FILE...
  SCHEMA_NAME: scan, status, printers-list, ... (docs/schema/<name>.schema.json)
Exit 0 when every FILE is valid, 1 when one is not (each error on stderr, with its path in the
document), 2 on a usage error, 77 when python3-jsonschema is not installed (the tests skip).

The references to common.schema.json are resolved here, by inlining its definitions, so that the
same script works with the jsonschema of Debian 12 (4.10, RefResolver) and with later ones
(referencing).
"""
import json
import os
import sys

try:
    import jsonschema
except ImportError:
    print("python3-jsonschema is not installed (apt-get install python3-jsonschema)",
          file=sys.stderr)
    sys.exit(77)

COMMON = "common.schema.json"
PREFIX = "common_"


def rewrite(node, rename):
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                out[key] = rename(value)
            else:
                out[key] = rewrite(value, rename)
        return out
    if isinstance(node, list):
        return [rewrite(v, rename) for v in node]
    return node


def load(schema_dir, name):
    with open(os.path.join(schema_dir, COMMON), encoding="utf-8") as f:
        common = json.load(f)
    with open(os.path.join(schema_dir, name + ".schema.json"), encoding="utf-8") as f:
        schema = json.load(f)
    local = "#/$defs/"
    defs = {}
    for key, value in common["$defs"].items():
        defs[PREFIX + key] = rewrite(
            value, lambda r: local + PREFIX + r[len(local):] if r.startswith(local) else r)
    remote = COMMON + local
    schema = rewrite(
        schema, lambda r: local + PREFIX + r[len(remote):] if r.startswith(remote) else r)
    schema.setdefault("$defs", {}).update(defs)
    schema.pop("$id", None)
    return schema


def main(argv):
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    schema = load(argv[1], argv[2])
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)
    failed = False
    for path in argv[3:]:
        with open(path, encoding="utf-8") as f:
            document = json.load(f)
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
        for e in errors:
            where = "/".join(str(p) for p in e.absolute_path) or "(document)"
            print(f"{path}: {argv[2]}: at {where}: {e.message}", file=sys.stderr)
        failed = failed or bool(errors)
        if not errors:
            print(f"{path}: valid against {argv[2]}.schema.json")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
