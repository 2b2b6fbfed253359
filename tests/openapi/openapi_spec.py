"""docs/openapi.yaml as tests/openapi/validate.py reads it: operations by method and path
template, the cross-cutting answers of `x-schoolhub-cross-cutting`, the problem codes each
problem response documents, and JSON Schema 2020-12 validation (the dialect of OpenAPI 3.1)
with local $refs resolved in the spec's components. Refuses a spec that breaks the rules
the validator relies on (SpecError).

Uses only Debian's python3-jsonschema (>= 4.10).
"""

import datetime
import re
import urllib.parse
import uuid

import jsonschema

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
DIALECT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
PROBLEM_TYPE = "application/problem+json"
PROBLEM_BASE = "#/components/schemas/Problem"
CROSS_CUTTING = "x-schoolhub-cross-cutting"
CROSS_CUTTING_KINDS = ("any-request", "unknown-api-path", "unknown-method", "preflight")


class SpecError(Exception):
    """The spec itself breaks a rule the validator relies on."""


# --- formats: the few the spec uses, checked without optional packages ------------------

RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def _is_date_time(value):
    if not isinstance(value, str):
        return True
    if not RFC3339.match(value):
        return False
    text = value.replace("z", "Z").replace("t", "T")
    datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return True


def _is_date(value):
    if not isinstance(value, str):
        return True
    if not re.match(r"^\d{4}-\d{2}-\d{2}$", value):
        return False
    datetime.date.fromisoformat(value)
    return True


def _is_uuid(value):
    if not isinstance(value, str):
        return True
    return len(value) == 36 and str(uuid.UUID(value)) == value.lower()


def _is_email(value):
    return not isinstance(value, str) or re.match(r"^[^@\s]+@[^@\s]+$", value) is not None


def _is_uri(value):
    if not isinstance(value, str):
        return True
    parts = urllib.parse.urlsplit(value)
    return bool(parts.scheme) and (bool(parts.netloc) or bool(parts.path))


def format_checker():
    checker = jsonschema.FormatChecker(formats=())
    for name, check in (("date-time", _is_date_time), ("date", _is_date), ("uuid", _is_uuid),
                        ("email", _is_email), ("uri", _is_uri)):
        checker.checks(name, raises=(ValueError,))(check)
    return checker


# --- the spec ---------------------------------------------------------------------------

def _pointer(doc, ref):
    if not ref.startswith("#/"):
        raise SpecError(f"only local $refs are supported, not {ref!r}")
    node = doc
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or part not in node:
            raise SpecError(f"$ref {ref!r} points at nothing")
        node = node[part]
    return node


def _walk(node, path=()):
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, path + (str(key),))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, path + (str(i),))


class Operation:
    def __init__(self, method, template, op, responses):
        self.method = method
        self.template = template
        self.op_id = op.get("operationId", "")
        self.responses = responses  # {"200": response object}

    def __str__(self):
        return f"{self.method} {self.template}" + (f" ({self.op_id})" if self.op_id else "")


class Spec:
    def __init__(self, doc):
        self.doc = doc
        version = str(doc.get("openapi", ""))
        if not version.startswith("3.1."):
            raise SpecError(f"openapi {version!r}: only 3.1.x is supported (JSON Schema "
                            "2020-12; 3.0's nullable and exclusiveMinimum differ)")
        dialect = doc.get("jsonSchemaDialect", DIALECT_2020_12)
        if dialect != DIALECT_2020_12:
            raise SpecError(f"jsonSchemaDialect {dialect!r}: only {DIALECT_2020_12}")
        for path, node in _walk(doc):
            if (isinstance(node, dict) and isinstance(node.get("nullable"), bool)
                    and not {"example", "examples"} & set(path)):
                raise SpecError(f"/{'/'.join(path)}: `nullable` is OpenAPI 3.0; in 3.1 write "
                                "type: [T, 'null']")
        self.components = doc.get("components", {})
        self.operations = {}  # (METHOD, template) -> Operation
        self.templates = []  # (template, segments, path item)
        for template, item in (doc.get("paths") or {}).items():
            item = self.deref(item)
            self.templates.append((template, template.strip("/").split("/"), item))
            for method in METHODS:
                if method in item:
                    op = item[method]
                    responses = {str(k): self.deref(v)
                                 for k, v in (op.get("responses") or {}).items()}
                    self.operations[(method.upper(), template)] = Operation(
                        method.upper(), template, op, responses)
        cross = doc.get(CROSS_CUTTING)
        if not isinstance(cross, dict):
            raise SpecError(f"no `{CROSS_CUTTING}` at the root of the spec")
        self.cross_cutting = {}
        for kind in CROSS_CUTTING_KINDS:
            self.cross_cutting[kind] = {str(k): self.deref(v)
                                        for k, v in (cross.get(kind) or {}).items()}
        self.format_checker = format_checker()
        self._validators = {}  # id(schema) -> validator: the schemas live as long as doc
        self._check_problem_responses()

    def deref(self, node):
        seen = set()
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if ref in seen:
                raise SpecError(f"$ref loop at {ref!r}")
            seen.add(ref)
            node = _pointer(self.doc, ref)
        return node

    def all_responses(self):
        for op in self.operations.values():
            for status, response in op.responses.items():
                yield str(op), status, response
        for kind, responses in self.cross_cutting.items():
            for status, response in responses.items():
                yield f"{CROSS_CUTTING}.{kind}", status, response

    def _check_problem_responses(self):
        """Every problem response documents its codes (the convention of the spec's header)."""
        for where, status, response in self.all_responses():
            media = (response.get("content") or {}).get(PROBLEM_TYPE)
            if media is not None and not self.problem_codes(media.get("schema", {})):
                raise SpecError(f"{where} {status}: a problem response must list its codes "
                                "(`code` with const or enum, besides the Problem schema's)")

    def problem_codes(self, schema):
        """The codes a problem schema allows: the intersection of every `code` const/enum
        found through $ref and allOf (a union over oneOf/anyOf), not counting the Problem
        schema's list of every code. None when nothing narrows it."""
        if isinstance(schema, dict) and schema.get("$ref") == PROBLEM_BASE:
            return None
        schema = self.deref(schema)
        if not isinstance(schema, dict):
            return None
        sets = []
        code = self.deref((schema.get("properties") or {}).get("code", {}))
        if "const" in code:
            sets.append({code["const"]})
        elif "enum" in code:
            sets.append(set(code["enum"]))
        for sub in schema.get("allOf", []):
            found = self.problem_codes(sub)
            if found is not None:
                sets.append(found)
        for key in ("oneOf", "anyOf"):
            if key in schema:
                found = [self.problem_codes(sub) for sub in schema[key]]
                if all(f is not None for f in found):
                    sets.append(set().union(*found))
        return set.intersection(*sets) if sets else None

    def schema_errors(self, schema, instance):
        """JSON Schema 2020-12 errors of "instance"; local $refs resolve in the spec's
        components, carried in the root schema."""
        validator = self._validators.get(id(schema))
        if validator is None:
            root = {"$schema": DIALECT_2020_12, "components": self.components,
                    "allOf": [schema]}
            validator = jsonschema.Draft202012Validator(root,
                                                        format_checker=self.format_checker)
            self._validators[id(schema)] = validator
        return sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))

    def undocumented_members(self, schema, instance, at=()):
        """Members of the instance's objects that no schema describes: a response's objects
        are closed unless their schema opens them (additionalProperties,
        patternProperties or unevaluatedProperties other than false). Yields paths."""
        branches = self._branches(schema, instance)
        if isinstance(instance, dict):
            declared, is_open = {}, False
            for branch in branches:
                for name, sub in (branch.get("properties") or {}).items():
                    declared.setdefault(name, []).append(sub)
                for key in ("additionalProperties", "unevaluatedProperties"):
                    if key in branch and branch[key] is not False:
                        is_open = True
                if branch.get("patternProperties"):
                    is_open = True
            for name, value in instance.items():
                if name in declared:
                    for sub in declared[name]:
                        yield from self.undocumented_members(sub, value, at + (name,))
                elif not is_open:
                    yield at + (name,)
        elif isinstance(instance, list):
            for branch in branches:
                items = branch.get("items")
                if isinstance(items, dict):
                    for i, value in enumerate(instance):
                        yield from self.undocumented_members(items, value, at + (i,))

    def _branches(self, schema, instance):
        """The schema and every subschema that applies to the same instance: through $ref
        and allOf, and the oneOf/anyOf branches the instance is valid against."""
        schema = self.deref(schema)
        if not isinstance(schema, dict):
            return []
        found = [schema]
        for sub in schema.get("allOf", []):
            found += self._branches(sub, instance)
        for key in ("oneOf", "anyOf"):
            for sub in schema.get(key, []):
                if not self.schema_errors(sub, instance):
                    found += self._branches(sub, instance)
        return found

    def match_path(self, path):
        """The path item whose template matches the concrete path (the one with the most
        literal segments when several do), as (template, item), or (None, None)."""
        segments = path.strip("/").split("/")
        best = (None, None, -1)
        for template, parts, item in self.templates:
            if len(parts) != len(segments):
                continue
            literal = 0
            for part, segment in zip(parts, segments):
                if part.startswith("{") and part.endswith("}"):
                    if segment == "":
                        break
                elif part.startswith("{") and "}" in part:
                    # "{id}.ics": a parameter with a literal suffix, more specific than a
                    # bare "{id}" (as the server's router tries it first)
                    suffix = part[part.index("}") + 1:]
                    if len(segment) <= len(suffix) or not segment.endswith(suffix):
                        break
                    literal += 0.5
                elif part != segment:
                    break
                else:
                    literal += 1
            else:
                if literal > best[2]:
                    best = (template, item, literal)
        return best[0], best[1]
