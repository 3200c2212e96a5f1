#!/usr/bin/env python3
"""Validates JSON documents against the JSON Schemas in a folder (Parley's schema/).

Usage: validate-json-schema.py SCHEMA_DIR < cases.jsonl

Each input line is {"schema": "<file name in SCHEMA_DIR>", "label": "<where it came from>",
"document": <the JSON to check>}. The tests produce the documents from YAML with Parley's own YAML
parser, so this script needs no YAML library. Every schema in SCHEMA_DIR is first checked against
the JSON Schema 2020-12 meta-schema.

Prints one JSON line per case, {"label": ..., "valid": true|false, "errors": ["path: message", ...]},
then a summary line {"validated": N, "invalid": M}. An input line {"flush": true} ends a batch: its
summary is printed and flushed at once, and the script reads on, so one process can answer many
batches (the tests keep one running rather than paying Python's start-up for each). Exits 0 when
every case was checked (whatever the verdicts: the caller decides which documents must be invalid),
2 on bad input or an invalid schema, 3 when jsonschema is missing.
"""
import json
import pathlib
import sys

try:
    import jsonschema
except ImportError:
    print("python3-jsonschema is not installed; install it with `apt-get install python3-jsonschema` "
          "or `pip install jsonschema`", file=sys.stderr)
    sys.exit(3)


def load_validators(folder: pathlib.Path) -> dict:
    validators = {}
    for path in sorted(folder.glob("*.schema.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        try:
            jsonschema.Draft202012Validator.check_schema(schema)
        except jsonschema.exceptions.SchemaError as error:
            print(f"{path.name}: not a valid JSON Schema 2020-12 document: {error.message}", file=sys.stderr)
            sys.exit(2)
        validators[path.name] = jsonschema.Draft202012Validator(schema)
    return validators


def describe(error) -> str:
    path = "/".join(str(p) for p in error.absolute_path) or "(root)"
    # oneOf/anyOf failures say only "is not valid under any of the given schemas"; the closest
    # branch's own complaint is more useful to a reader.
    if error.context:
        best = jsonschema.exceptions.best_match(error.context)
        inner = "/".join(str(p) for p in best.absolute_path) or "(root)"
        return f"{path}: {error.message[:200]} (closest: {inner}: {best.message[:200]})"
    return f"{path}: {error.message[:300]}"


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    validators = load_validators(pathlib.Path(sys.argv[1]))
    if not validators:
        print(f"no *.schema.json files in {sys.argv[1]}", file=sys.stderr)
        return 2
    count = invalid = 0
    pending = True
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            case = json.loads(line)
            if case == {"flush": True}:
                print(json.dumps({"validated": count, "invalid": invalid}), flush=True)
                count = invalid = 0
                pending = False
                continue
            pending = True
            name, label, document = case["schema"], case.get("label", f"line {number}"), case["document"]
        except (ValueError, KeyError) as error:
            print(f"input line {number}: {error}", file=sys.stderr)
            return 2
        if name not in validators:
            print(f"input line {number}: no schema named {name!r} in {sys.argv[1]}", file=sys.stderr)
            return 2
        errors = sorted(validators[name].iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))
        count += 1
        invalid += 1 if errors else 0
        print(json.dumps({"label": label, "valid": not errors, "errors": [describe(e) for e in errors]}))
    if pending:
        print(json.dumps({"validated": count, "invalid": invalid}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
