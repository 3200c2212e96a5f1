#!/usr/bin/env python3
"""Validates JSON documents against the JSON Schemas in a folder (Parley's schema/).

Usage: validate-json-schema.py SCHEMA_DIR < cases.jsonl

Each input line is {"schema": "<file name in SCHEMA_DIR>", "label": "<where it came from>",
"document": <the JSON to check>}. The tests produce the documents from YAML with Parley's own YAML
parser, so this script needs no YAML library. Every schema in SCHEMA_DIR is first checked against
the JSON Schema 2020-12 meta-schema, and every `$ref` in it must resolve: the schemas refer to each
other's definitions by relative references (`common.schema.json#/$defs/text`), resolved within
SCHEMA_DIR without any network access.

Prints one JSON line per case, {"label": ..., "valid": true|false, "errors": ["path: message", ...]},
then a summary line {"validated": N, "invalid": M}. An input line {"flush": true} ends a batch: its
summary is printed and flushed at once, and the script reads on, so one process can answer many
batches (the tests keep one running rather than paying Python's start-up for each). Exits 0 when
every case was checked (whatever the verdicts: the caller decides which documents must be invalid),
2 on bad input or an invalid schema, 3 when jsonschema is missing.
"""
import inspect
import json
import pathlib
import sys

try:
    import jsonschema
except ImportError:
    print("python3-jsonschema is not installed; install it with `apt-get install python3-jsonschema` "
          "or `pip install jsonschema`", file=sys.stderr)
    sys.exit(3)


def references(node):
    """Every `$ref` in a schema, depth first."""
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from references(value)
    elif isinstance(node, list):
        for value in node:
            yield from references(value)


def load_validators(folder: pathlib.Path) -> dict:
    """One validator per schema file, each able to follow references into the folder's other files.

    The schemas carry no `$id`, so a relative reference such as `common.schema.json#/$defs/text`
    resolves against the file's own location, as in an editor: every file of the folder is
    registered under its `file:` URI and each validator starts from its file's URI.
    """
    schemas = {}
    for path in sorted(folder.glob("*.schema.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        try:
            jsonschema.Draft202012Validator.check_schema(schema)
        except jsonschema.exceptions.SchemaError as error:
            print(f"{path.name}: not a valid JSON Schema 2020-12 document: {error.message}", file=sys.stderr)
            sys.exit(2)
        schemas[path.name] = (path.resolve().as_uri(), schema)
    resolve, validator = reference_resolution(schemas)
    for name, (uri, schema) in schemas.items():
        for ref in references(schema):
            try:
                resolve(uri, ref)
            except Exception as error:  # the two libraries raise unrelated types; any failure is the same
                print(f"{name}: $ref {ref!r} does not resolve in {folder}: {str(error)[:200]}", file=sys.stderr)
                sys.exit(2)
    return {name: validator(uri, schema) for name, (uri, schema) in schemas.items()}


def reference_resolution(schemas: dict):
    """`resolve(uri, ref)` and `validator(uri, schema)` over `schemas` ({name: (uri, schema)}), through
    whichever reference API the installed jsonschema has."""
    if "registry" in inspect.signature(jsonschema.Draft202012Validator).parameters:
        # jsonschema 4.18 and later resolve references through a `referencing` registry. It has no
        # way to retrieve anything else, so nothing is fetched from the network.
        from referencing import Registry
        from referencing.jsonschema import DRAFT202012
        registry = Registry().with_resources(
            (uri, DRAFT202012.create_resource(schema)) for uri, schema in schemas.values())

        def resolve(uri, ref):
            registry.resolver(base_uri=uri).lookup(ref)

        def validator(uri, schema):
            return jsonschema.Draft202012Validator({"$ref": uri}, registry=registry)
        return resolve, validator

    # Older releases (Debian 12 ships 4.10) resolve them through a RefResolver and its store.
    store = dict(schemas.values())

    def resolver(uri):
        return jsonschema.RefResolver(base_uri=uri, referrer=store[uri], store=store)

    def resolve(uri, ref):
        resolver(uri).resolve(ref)

    def validator(uri, schema):
        return jsonschema.Draft202012Validator(schema, resolver=resolver(uri))
    return resolve, validator


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
