#!/usr/bin/env python3
"""Checks the API tests' exchanges, and the server's routes, against docs/openapi.yaml.

    validate.py --spec docs/openapi.yaml --route-lister build/route_list \\
                --exchanges build/openapi/exchanges-api-sqlite.jsonl ...

The exchanges are the JSON lines tests/support/exchange_log.c writes when
SCHOOLHUB_API_RECORD is set (method, path with query, status, content_type, headers, body).
Each one must match an operation of the spec (path template + method; HEAD is GET without a
body) or one of the cross-cutting answers of the spec's `x-schoolhub-cross-cutting`, and:
its status is documented there; its Content-Type is one of the response's media types (no
body when it has none); its body is valid against the response's schema (JSON Schema
2020-12, the dialect of OpenAPI 3.1) with no object member the schema doesn't describe
(unless the schema opens the object); a problem's `code` is one the response documents;
a documented header marked `required` is there, and each documented header fits its schema.
The web app's files (GET/HEAD outside /api) are skipped. The route lister prints the
server's routes ("METHOD PATTERN" a line): each must be a documented operation and each
documented operation a route. Exits 1 on any mismatch, printing each distinct mismatch once
with its first exchange, expected and actual, and how many exchanges had it.

The spec model is in openapi_spec.py; the self-test is test_validate.py.
Uses only Debian's python3-yaml and python3-jsonschema (>= 4.10).
"""

import argparse
import collections
import json
import re
import subprocess
import sys
import urllib.parse

import yaml

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from openapi_spec import CROSS_CUTTING, PROBLEM_TYPE, Spec, SpecError  # noqa: E402,F401

BODY_SHOWN = 400


# --- routes -----------------------------------------------------------------------------

def check_routes(spec, route_lines):
    """Mismatches between the server's routes and the spec's operations."""
    served = set()
    for line in route_lines:
        line = line.strip()
        if line:
            method, _, pattern = line.partition(" ")
            served.add((method.upper(), pattern.strip()))
    if not served:
        return ["the route lister printed no route"]
    documented = set(spec.operations)
    problems = []
    for method, pattern in sorted(served - documented):
        problems.append(f"route {method} {pattern}: served by the server, not described in "
                        "the spec's paths")
    for method, pattern in sorted(documented - served):
        problems.append(f"operation {method} {pattern}: described in the spec, not served by "
                        "any route table")
    return problems


# --- exchanges --------------------------------------------------------------------------

def media_type(content_type):
    return (content_type or "").split(";")[0].strip().lower() or None


def _short(text):
    text = "" if text is None else str(text)
    return text if len(text) <= BODY_SHOWN else text[:BODY_SHOWN] + "..."


def _at(path, any_index=False):
    """"body/items/3/id" for a JSON path; with any_index, "body/items/*/id"."""
    return "".join(["body"] + ["/*" if any_index and isinstance(p, int) else f"/{p}"
                               for p in path])


def _choose(spec, exchange):
    """(what, candidates, checked): the spec's candidate responses for the exchange, by
    status, and a label for the messages; checked is False for a web-app file."""
    method = exchange["method"].upper()
    path = urllib.parse.urlsplit(exchange["path"]).path
    is_api = path == "/api" or path.startswith("/api/")
    template, _ = spec.match_path(path)
    cross = spec.cross_cutting
    candidates = collections.defaultdict(list)

    def add(kind):
        for status, response in cross[kind].items():
            candidates[status].append((f"{CROSS_CUTTING}.{kind}", response))

    operation = None
    if template is not None:
        operation = spec.operations.get(("GET" if method == "HEAD" else method, template))
    if operation is not None:
        what = str(operation)
        for status, response in operation.responses.items():
            candidates[status].append((what, response))
    elif template is not None:
        what = f"{method} {template} (a method the path doesn't have)"
        add("unknown-method")
    elif is_api:
        what = f"{method} {path} (no documented path)"
        if method == "OPTIONS":
            add("unknown-method")
    elif method in ("GET", "HEAD"):
        # The web app's files are not the API's; only its errors are checked.
        if media_type(exchange.get("content_type")) != PROBLEM_TYPE:
            return f"{method} {path} (web app)", None, False
        what = f"{method} {path} (web app)"
    else:
        what = f"{method} {path} (web app: GET and HEAD only)"
        add("unknown-method")
    if method == "OPTIONS":
        add("preflight")
    if is_api:
        add("unknown-api-path")
    add("any-request")
    return what, candidates, True


def _header_mismatches(spec, exchange, response):
    """A documented header marked `required` must be there; a documented header that is
    there must fit its schema (an integer schema reads the value as an integer). Only for
    exchanges that recorded their headers."""
    headers = exchange.get("headers")
    if headers is None:
        return []
    problems = []
    for name, header in (response.get("headers") or {}).items():
        header = spec.deref(header)
        value = headers.get(name.lower())
        if value is None:
            if header.get("required"):
                text = f"header {name}: required, absent"
                problems.append((text, text))
            continue
        schema = header.get("schema")
        if schema is None:
            continue
        instance = value
        if spec.deref(schema).get("type") == "integer" and re.fullmatch(r"-?\d+", value):
            instance = int(value)
        for error in spec.schema_errors(schema, instance):
            problems.append((f"header {name}: {error.validator}",
                             f"header {name}: {_short(error.message)}"))
    return problems


def _response_mismatches(spec, exchange, response):
    """Why the exchange doesn't fit one response object, as (kind, text) pairs, [] when it
    fits; the kind leaves out the values, so one drift seen in many exchanges is one kind."""
    method = exchange["method"].upper()
    actual_type = media_type(exchange.get("content_type"))
    body = exchange.get("body")
    content = response.get("content") or {}
    if exchange.get("body_not_utf8"):
        return [("body: not UTF-8", "body: not UTF-8")]
    if not content:
        header_problems = _header_mismatches(spec, exchange, response)
        if header_problems:
            return header_problems
        if body:
            return [("body: unexpected", "body: expected none (the response has no "
                     f"content), got {_short(body)!r}")]
        return []
    if actual_type not in {media_type(k) for k in content}:
        text = f"content type: expected one of {sorted(content)}, got {actual_type!r}"
        return [(text, text)]
    header_problems = _header_mismatches(spec, exchange, response)
    if header_problems:
        return header_problems
    if method == "HEAD":  # GET's headers, without the body
        return [("body: HEAD", f"body: HEAD must have none, got {_short(body)!r}")] if body else []
    media = next(v for k, v in content.items() if media_type(k) == actual_type) or {}
    schema = media.get("schema")
    if actual_type == "application/json" or actual_type.endswith("+json"):
        try:
            instance = json.loads(body or "")
        except ValueError as e:
            return [("body: not JSON", f"body: not JSON ({e}): {_short(body)!r}")]
    else:
        instance = body or ""
    problems = []
    code_failed = False
    if actual_type == PROBLEM_TYPE:
        codes = spec.problem_codes(schema or {})
        code = instance.get("code") if isinstance(instance, dict) else None
        if codes is not None and code not in codes:
            text = f"problem code: expected one of {sorted(codes)}, got {code!r}"
            problems.append((text, text))
            code_failed = True
        if isinstance(instance, dict) and instance.get("status") != exchange["status"]:
            text = (f"problem status: the body says {instance.get('status')!r}, "
                    f"the response {exchange['status']}")
            problems.append((text, text))
    if schema is not None:
        for error in spec.schema_errors(schema, instance):
            if code_failed and list(error.absolute_path) == ["code"]:
                continue
            problems.append((f"{_at(error.absolute_path, True)}: {error.validator} "
                             f"{error.validator_value!r}",
                             f"{_at(error.absolute_path)}: {_short(error.message)}"))
        if not problems:
            for member in spec.undocumented_members(schema, instance):
                problems.append((f"{_at(member, True)}: undocumented",
                                 f"{_at(member)}: a member the schema doesn't describe"))
    return problems


def check_exchange(spec, exchange):
    """(what, [(kind, text)]) for one exchange; what is None for a web-app file, not
    checked."""
    what, candidates, checked = _choose(spec, exchange)
    if not checked:
        return None, []
    status = str(exchange["status"])
    # OpenAPI: an exact status wins over its range ("4XX"), which wins over "default".
    key = next((k for k in (status, status[:1] + "XX", "default") if k in candidates), None)
    if key is None:
        text = f"status: expected one of {sorted(candidates)}, got {status}"
        return what, [(text, text)]
    best = None
    for label, response in candidates[key]:
        problems = _response_mismatches(spec, exchange, response)
        if not problems:
            return what, []
        if best is None:
            best = (label, problems)
    return what, [(kind, f"{text} [response {status} of {best[0]}]")
                  for kind, text in best[1]]


def check_exchanges(spec, named_lines):
    """Checks every exchange; returns (failures, stats). A failure is a dict keyed by the
    mismatch, holding its first exchange and how many exchanges had it."""
    failures = collections.OrderedDict()
    stats = collections.Counter()
    exercised = set()
    for source, number, line in named_lines:
        if not line.strip():
            continue
        where = f"{source}:{number}"
        try:
            exchange = json.loads(line)
            exchange["method"], exchange["path"], exchange["status"]
        except (ValueError, KeyError, TypeError) as e:
            failures.setdefault(("unreadable", where), {"where": where, "count": 0,
                                                       "what": "unreadable line",
                                                       "problem": str(e), "exchange": None})
            failures[("unreadable", where)]["count"] += 1
            continue
        stats["exchanges"] += 1
        what, problems = check_exchange(spec, exchange)
        if what is None:
            stats["web app (not checked)"] += 1
            continue
        stats["checked"] += 1
        exercised.add(what)
        for kind, problem in problems:
            key = (what, exchange["status"], kind)
            entry = failures.setdefault(key, {"where": where, "count": 0, "what": what,
                                              "problem": problem, "exchange": exchange})
            entry["count"] += 1
    stats["operations exercised"] = len({str(op) for op in spec.operations.values()} &
                                        exercised)
    return list(failures.values()), stats, exercised


def format_failure(failure):
    ex = failure["exchange"]
    lines = [f"MISMATCH {failure['what']}: {failure['problem']}"]
    if ex is not None:
        lines.append(f"  exchange: {ex['method']} {ex['path']} -> {ex['status']} "
                     f"{ex.get('content_type') or '(no content type)'}")
        lines.append(f"  body: {_short(ex.get('body'))!r}")
    lines.append(f"  first at {failure['where']}" +
                 (f" ({failure['count']} exchanges)" if failure["count"] > 1 else ""))
    return "\n".join(lines)


def _read_lines(paths):
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                yield path, number, line


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--spec", required=True)
    parser.add_argument("--route-lister", help="program printing METHOD PATTERN lines")
    parser.add_argument("--exchanges", nargs="*", default=[], help="JSON lines files")
    parser.add_argument("--min-exchanges", type=int, default=1,
                        help="fail when a file holds fewer exchanges (a run that recorded "
                             "nothing must not pass)")
    parser.add_argument("--require-headers", action="store_true",
                        help="fail when an exchange was recorded without its response "
                             "headers (its documented headers would go unchecked)")
    args = parser.parse_args(argv)
    try:
        with open(args.spec, encoding="utf-8") as f:
            spec = Spec(yaml.safe_load(f))
    except (SpecError, OSError, yaml.YAMLError) as e:
        print(f"{args.spec}: {e}", file=sys.stderr)
        return 1
    failed = False
    if args.route_lister:
        out = subprocess.run([args.route_lister], check=True, capture_output=True, text=True)
        for problem in check_routes(spec, out.stdout.splitlines()):
            print(f"MISMATCH {problem}")
            failed = True
    for path in args.exchanges:
        try:
            count = sum(1 for _ in _read_lines([path]))
        except OSError as e:
            print(f"MISMATCH {path}: {e}")
            failed = True
            continue
        if count < args.min_exchanges:
            print(f"MISMATCH {path}: {count} exchanges, expected at least {args.min_exchanges}")
            failed = True
        if args.require_headers:
            headless = _without_headers(path)
            if headless:
                print(f"MISMATCH {path}: {len(headless)} exchanges recorded without their "
                      f"headers, first at line {headless[0]}")
                failed = True
    present = [p for p in args.exchanges if _exists(p)]
    failures, stats, exercised = check_exchanges(spec, _read_lines(present))
    for failure in failures:
        print(format_failure(failure))
    unexercised = sorted(str(op) for op in spec.operations.values()
                         if str(op) not in exercised)
    print(f"openapi: {stats['checked']} exchanges checked, "
          f"{stats['web app (not checked)']} web-app files skipped, "
          f"{stats['operations exercised']}/{len(spec.operations)} operations exercised, "
          f"{len(failures)} distinct mismatches")
    for op in unexercised:
        print(f"  note: no test exchange for {op}")
    return 1 if failed or failures else 0


def _without_headers(path):
    """Line numbers of the exchanges that recorded no "headers" (unreadable lines are
    reported by check_exchanges)."""
    numbers = []
    for _, number, line in _read_lines([path]):
        try:
            exchange = json.loads(line)
        except ValueError:
            continue
        if isinstance(exchange, dict) and "headers" not in exchange:
            numbers.append(number)
    return numbers


def _exists(path):
    try:
        with open(path, encoding="utf-8"):
            return True
    except OSError:
        return False


if __name__ == "__main__":
    sys.exit(main())
