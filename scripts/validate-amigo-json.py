#!/usr/bin/env python3
"""Validates JSON documents, or HTTP requests, against an OpenAPI 3.1 document.

Usage: validate-amigo-json.py OPENAPI.json < documents.jsonl
       validate-amigo-json.py --requests OPENAPI.json < requests.jsonl

Documents: each input line is {"schema": "<components/schemas name>", "label": "<where it came from>",
"document": <the JSON to check>}; "schema" may also be an inline JSON schema (for bodies the document
does not describe, such as FastAPI's error bodies), in which "#/components/..." references still resolve.

Requests (--requests): each input line is {"label": ..., "method": "POST", "path": "/v1/org/conversation/",
"query": "a=1&b=2" or null, "headers": [[name, value], ...], "body_base64": "..."}, a request as a server
received it. The request must match an operation of the document: its path and query parameters and
headers are checked against their schemas (query values read as the schema's type, arrays from repeated
names; parameters the operation does not declare are refused), and its body against the operation's
request body for its content type (JSON, or multipart/form-data read into fields).

Schemas named StrippedNonemptyString* (pydantic's stripped, non-empty strings) also refuse text that is
blank once stripped, as the server does. Every document is validated with a JSON Schema 2020-12 validator
(the dialect of OpenAPI 3.1), formats such as date-time included. Prints one line per failure and a
summary; exits 0 when all are valid, 1 when some are not, 2 on bad input, 3 when jsonschema is missing.
"""
import base64
import copy
import email.parser
import email.policy
import json
import re
import sys
import urllib.parse

try:
    import jsonschema
except ImportError:
    print("python3-jsonschema is not installed; install it with `apt-get install python3-jsonschema` "
          "or `pip install jsonschema`", file=sys.stderr)
    sys.exit(3)


def components_of(openapi):
    """The document's components, with stripped non-empty strings refusing blank text too."""
    components = copy.deepcopy(openapi.get("components", {}))
    for name, schema in components.get("schemas", {}).items():
        if name.startswith("StrippedNonemptyString") or "__StrippedNonemptyString" in name:
            components["schemas"][name] = {"allOf": [schema, {"pattern": r"\S"}]}
    return components


class Validators:
    def __init__(self, openapi):
        self.components = components_of(openapi)
        self.cache = {}

    def errors(self, schema, document):
        key = json.dumps(schema, sort_keys=True)
        if key not in self.cache:
            # The whole components section rides along so that "#/components/schemas/..." references resolve.
            full = dict(schema)
            full["$schema"] = "https://json-schema.org/draft/2020-12/schema"
            full["components"] = self.components
            jsonschema.Draft202012Validator.check_schema(full)
            self.cache[key] = jsonschema.Draft202012Validator(
                full, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
        found = sorted(self.cache[key].iter_errors(document), key=lambda e: list(e.absolute_path))
        return [("/".join(str(p) for p in e.absolute_path) or "(root)", e.message) for e in found]


def documents(openapi, lines):
    schemas = openapi.get("components", {}).get("schemas", {})
    validators = Validators(openapi)
    failures = count = 0
    for number, line in lines:
        try:
            case = json.loads(line)
            name, label, document = case["schema"], case.get("label", f"line {number}"), case["document"]
        except (ValueError, KeyError) as error:
            print(f"input line {number}: {error}", file=sys.stderr)
            return 2
        if isinstance(name, str) and name not in schemas:
            print(f"{label}: no schema named {name!r}")
            failures += 1
            continue
        schema = {"$ref": f"#/components/schemas/{name}"} if isinstance(name, str) else name
        count += 1
        title = name if isinstance(name, str) else name.get("title", "inline schema")
        errors = validators.errors(schema, document)
        for path, message in errors:
            print(f"{label}: {title} at {path}: {message}")
        failures += 1 if errors else 0
    print(f"validated {count} documents, {failures} invalid")
    return 1 if failures else 0


def resolve(openapi, schema):
    """Follows a top-level $ref, for reading a parameter's type."""
    while isinstance(schema, dict) and "$ref" in schema:
        parts = schema["$ref"].lstrip("#/").split("/")
        schema = openapi
        for part in parts:
            schema = schema[part]
    return schema


def types_of(openapi, schema):
    schema = resolve(openapi, schema)
    found = set()
    if "type" in schema:
        found |= set(schema["type"] if isinstance(schema["type"], list) else [schema["type"]])
    for option in schema.get("anyOf", []) + schema.get("oneOf", []):
        found |= types_of(openapi, option)
    if "enum" in schema and not found:
        found.add("string")
    return found


def scalar(openapi, schema, text):
    """A query or header value read as the parameter's type; left as text when it does not read."""
    kinds = types_of(openapi, schema)
    if "integer" in kinds and re.fullmatch(r"-?\d+", text):
        return int(text)
    if "boolean" in kinds and text in ("true", "false"):
        return text == "true"
    return text


def operation_for(openapi, method, path):
    for template, operations in openapi.get("paths", {}).items():
        pattern = "^" + re.sub(r"\\\{([A-Za-z_]+)\\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "$"
        match = re.match(pattern, path)
        if match and method.lower() in operations:
            values = {k: urllib.parse.unquote(v) for k, v in match.groupdict().items()}
            return template, operations[method.lower()], values
    return None, None, None


def multipart_fields(content_type, body, schema_properties):
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
    if not message.is_multipart():
        return None
    fields = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        value = part.get_payload(decode=True).decode("utf-8", errors="replace")
        if (schema_properties.get(name) or {}).get("type") == "array":
            fields.setdefault(name, []).append(value)
        elif name in fields:
            fields[name] = [fields[name], value] if not isinstance(fields[name], list) else fields[name] + [value]
        else:
            fields[name] = value
    return fields


def requests(openapi, lines):
    validators = Validators(openapi)
    failures = count = 0
    for number, line in lines:
        try:
            case = json.loads(line)
            label, method, path = case.get("label", f"line {number}"), case["method"], case["path"]
            query = case.get("query") or ""
            headers = {name.lower(): value for name, value in case.get("headers", [])}
            body = base64.b64decode(case.get("body_base64") or "")
        except (ValueError, KeyError, TypeError) as error:
            print(f"input line {number}: {error}", file=sys.stderr)
            return 2
        count += 1
        problems = []
        template, operation, path_values = operation_for(openapi, method, path)
        if operation is None:
            print(f"{label}: {method} {path} is not an operation of the document")
            failures += 1
            continue
        given_query = urllib.parse.parse_qsl(query, keep_blank_values=True)
        declared = {(p["in"], p["name"]) for p in operation.get("parameters", [])}
        for name, _ in given_query:
            if ("query", name) not in declared:
                problems.append(f"query parameter {name!r} is not declared")
        for parameter in operation.get("parameters", []):
            name, where, schema = parameter["name"], parameter["in"], parameter.get("schema", {})
            if where == "path":
                values = [path_values[name]] if name in path_values else []
            elif where == "query":
                values = [v for k, v in given_query if k == name]
            elif where == "header":
                values = [headers[name.lower()]] if name.lower() in headers else []
            else:
                continue
            if not values:
                if parameter.get("required"):
                    problems.append(f"{where} parameter {name!r} is required")
                continue
            if "array" in types_of(openapi, schema):
                item_schema = resolve(openapi, schema).get("items", {})
                value = [scalar(openapi, item_schema, v) for v in values]
            else:
                if len(values) > 1:
                    problems.append(f"{where} parameter {name!r} is given {len(values)} times")
                value = scalar(openapi, schema, values[0])
            for at, message in validators.errors(schema, value):
                problems.append(f"{where} parameter {name!r} at {at}: {message}")
        request_body = operation.get("requestBody")
        content_type = headers.get("content-type", "")
        media = content_type.split(";")[0].strip().lower()
        if not body:
            if request_body and request_body.get("required"):
                problems.append("the request body is required")
        elif not request_body:
            problems.append(f"the operation takes no body, but {len(body)} bytes came")
        elif media not in request_body.get("content", {}):
            problems.append(f"content type {content_type!r} is not one the operation takes")
        else:
            schema = request_body["content"][media].get("schema", {})
            if media == "application/json":
                try:
                    document = json.loads(body)
                except ValueError as error:
                    problems.append(f"the body is not JSON ({error})")
                    document = None
            else:
                options = resolve(openapi, schema).get("oneOf", [resolve(openapi, schema)])
                properties = {}
                for option in options:
                    properties.update(resolve(openapi, option).get("properties", {}))
                document = multipart_fields(content_type, body, properties)
                if document is None:
                    problems.append("the body is not multipart/form-data")
            if document is not None:
                for at, message in validators.errors(schema, document):
                    problems.append(f"body at {at}: {message}")
        for problem in problems:
            print(f"{label}: {method} {template}: {problem}")
        failures += 1 if problems else 0
    print(f"validated {count} requests, {failures} invalid")
    return 1 if failures else 0


def main() -> int:
    arguments = sys.argv[1:]
    mode = documents
    if arguments[:1] == ["--requests"]:
        mode, arguments = requests, arguments[1:]
    if len(arguments) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    with open(arguments[0], encoding="utf-8") as f:
        openapi = json.load(f)
    lines = [(number, line) for number, line in enumerate(sys.stdin, start=1) if line.strip()]
    return mode(openapi, lines)


if __name__ == "__main__":
    sys.exit(main())
