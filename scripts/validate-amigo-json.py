#!/usr/bin/env python3
"""Validates JSON documents against the schemas of an OpenAPI 3.1 document.

Usage: validate-amigo-json.py OPENAPI.json < documents.jsonl

Each input line is {"schema": "<components/schemas name>", "label": "<where it came from>",
"document": <the JSON to check>}; "schema" may also be an inline JSON schema (for bodies the document
does not describe, such as FastAPI's error bodies), in which "#/components/..." references still resolve. Every document is validated with a JSON Schema 2020-12 validator
(the dialect of OpenAPI 3.1), formats such as date-time included. Prints one line per failure and a
summary; exits 0 when all are valid, 1 when some are not, 2 on bad input, 3 when jsonschema is missing.
"""
import json
import sys

try:
    import jsonschema
except ImportError:
    print("python3-jsonschema is not installed; install it with `apt-get install python3-jsonschema` "
          "or `pip install jsonschema`", file=sys.stderr)
    sys.exit(3)


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        openapi = json.load(f)
    schemas = openapi.get("components", {}).get("schemas", {})
    validators = {}
    failures = 0
    count = 0
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            case = json.loads(line)
            name, label, document = case["schema"], case.get("label", f"line {number}"), case["document"]
        except (ValueError, KeyError) as error:
            print(f"input line {number}: {error}", file=sys.stderr)
            return 2
        if isinstance(name, str) and name not in schemas:
            print(f"{label}: no schema named {name!r} in {sys.argv[1]}")
            failures += 1
            continue
        key = name if isinstance(name, str) else json.dumps(name, sort_keys=True)
        if key not in validators:
            # The whole components section rides along so that "#/components/schemas/..." references resolve.
            schema = {"$ref": f"#/components/schemas/{name}"} if isinstance(name, str) else dict(name)
            schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
            schema["components"] = openapi["components"]
            jsonschema.Draft202012Validator.check_schema(schema)
            validators[key] = jsonschema.Draft202012Validator(
                schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
        count += 1
        errors = sorted(validators[key].iter_errors(document), key=lambda e: list(e.absolute_path))
        title = name if isinstance(name, str) else name.get("title", "inline schema")
        for error in errors:
            path = "/".join(str(p) for p in error.absolute_path) or "(root)"
            print(f"{label}: {title} at {path}: {error.message}")
        failures += 1 if errors else 0
    print(f"validated {count} documents, {failures} invalid")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
