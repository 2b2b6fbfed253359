#!/usr/bin/env python3
"""Self-test of tests/openapi/validate.py on fixtures: the exchanges of fixtures/good.jsonl
fit fixtures/spec.yaml, each exchange of fixtures/bad.jsonl is a drift the validator must
report with the message of its "expect" member, and a spec or route list that breaks a rule
is refused. Run by ctest (openapi_validator_selftest)."""

import contextlib
import copy
import io
import json
import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in the source tree

import yaml  # noqa: E402

import validate  # noqa: E402

FIXTURES = os.path.join(HERE, "fixtures")


def load_doc():
    with open(os.path.join(FIXTURES, "spec.yaml"), encoding="utf-8") as f:
        return yaml.safe_load(f)


def load_lines(name):
    with open(os.path.join(FIXTURES, name), encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


class Exchanges(unittest.TestCase):
    def setUp(self):
        self.spec = validate.Spec(load_doc())

    def test_good_exchanges_fit(self):
        for exchange in load_lines("good.jsonl"):
            with self.subTest(exchange=f"{exchange['method']} {exchange['path']}"):
                _, problems = validate.check_exchange(self.spec, exchange)
                self.assertEqual(problems, [])

    def test_each_drift_is_reported(self):
        bad = load_lines("bad.jsonl")
        self.assertGreaterEqual(len(bad), 15)
        for exchange in bad:
            with self.subTest(expect=exchange["expect"]):
                what, problems = validate.check_exchange(self.spec, exchange)
                self.assertIsNotNone(what)
                texts = [text for _, text in problems]
                self.assertTrue(any(exchange["expect"] in t for t in texts),
                                f"{exchange['expect']!r} not in {texts}")

    def test_web_app_files_are_not_checked(self):
        what, problems = validate.check_exchange(
            self.spec, {"method": "GET", "path": "/assets/app.js", "status": 200,
                        "content_type": "text/javascript", "body": "x"})
        self.assertIsNone(what)
        self.assertEqual(problems, [])

    def test_one_drift_in_many_exchanges_is_one_mismatch(self):
        drift = load_lines("bad.jsonl")[1]  # size is a string
        lines = [("f", i, json.dumps(drift)) for i in range(1, 4)]
        failures, stats, _ = validate.check_exchanges(self.spec, lines)
        self.assertEqual(stats["checked"], 3)
        self.assertEqual(len(failures), 1)
        self.assertEqual(failures[0]["count"], 3)
        self.assertEqual(failures[0]["where"], "f:1")
        text = validate.format_failure(failures[0])
        self.assertIn("GET /api/v1/things/{id} (getThing)", text)
        self.assertIn("exchange: GET /api/v1/things/", text)
        self.assertIn("(3 exchanges)", text)

    def test_unreadable_line_fails(self):
        failures, _, _ = validate.check_exchanges(self.spec, [("f", 7, "{not json")])
        self.assertEqual(len(failures), 1)
        self.assertEqual(failures[0]["where"], "f:7")


class Routes(unittest.TestCase):
    def setUp(self):
        self.spec = validate.Spec(load_doc())
        with open(os.path.join(FIXTURES, "routes.txt"), encoding="utf-8") as f:
            self.routes = f.read().splitlines()

    def test_same_routes_pass(self):
        self.assertEqual(validate.check_routes(self.spec, self.routes), [])

    def test_undescribed_route_fails(self):
        problems = validate.check_routes(self.spec, self.routes + ["PATCH /api/v1/things/{id}"])
        self.assertEqual(problems, ["route PATCH /api/v1/things/{id}: served by the server, "
                                    "not described in the spec's paths"])

    def test_unserved_operation_fails(self):
        problems = validate.check_routes(self.spec, self.routes[1:])
        self.assertEqual(problems, ["operation POST /api/v1/things: described in the spec, "
                                    "not served by any route table"])

    def test_no_route_fails(self):
        self.assertEqual(validate.check_routes(self.spec, []),
                         ["the route lister printed no route"])


class SpecRules(unittest.TestCase):
    def refused(self, doc, message):
        with self.assertRaises(validate.SpecError) as caught:
            validate.Spec(doc)
        self.assertIn(message, str(caught.exception))

    def test_openapi_3_0_is_refused(self):
        doc = load_doc()
        doc["openapi"] = "3.0.3"
        self.refused(doc, "only 3.1.x is supported")

    def test_nullable_is_refused(self):
        doc = load_doc()
        doc["components"]["schemas"]["Thing"]["properties"]["note"] = {
            "type": "string", "nullable": True}
        self.refused(doc, "`nullable` is OpenAPI 3.0")

    def test_problem_response_without_codes_is_refused(self):
        doc = load_doc()
        conflict = doc["paths"]["/api/v1/things"]["post"]["responses"]["409"]
        conflict["content"]["application/problem+json"]["schema"] = {
            "$ref": "#/components/schemas/Problem"}
        self.refused(doc, "POST /api/v1/things (createThing) 409: a problem response must "
                          "list its codes")

    def test_missing_cross_cutting_is_refused(self):
        doc = load_doc()
        del doc[validate.CROSS_CUTTING]
        self.refused(doc, "no `x-schoolhub-cross-cutting`")

    def test_dangling_ref_is_refused(self):
        doc = load_doc()
        doc["paths"]["/api/v1/things/{id}"]["get"]["responses"]["404"] = {
            "$ref": "#/components/responses/Gone"}
        self.refused(doc, "points at nothing")


class CommandLine(unittest.TestCase):
    def run_main(self, lines, *extra):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "exchanges.jsonl")
            with open(path, "w", encoding="utf-8") as f:
                f.writelines(json.dumps(e) + "\n" for e in lines)
            with contextlib.redirect_stdout(io.StringIO()):
                return validate.main(["--spec", os.path.join(FIXTURES, "spec.yaml"),
                                      "--exchanges", path, *extra])

    def test_good_file_passes(self):
        self.assertEqual(self.run_main(load_lines("good.jsonl")), 0)

    def test_bad_file_fails(self):
        good = load_lines("good.jsonl")
        self.assertEqual(self.run_main(good + load_lines("bad.jsonl")[:1]), 1)

    def test_too_few_exchanges_fail(self):
        self.assertEqual(self.run_main(load_lines("good.jsonl"), "--min-exchanges", "100"), 1)

    def test_exchanges_without_headers_fail_when_required(self):
        good = load_lines("good.jsonl")
        with_headers = [e for e in good if "headers" in e]
        self.assertTrue(with_headers and len(with_headers) < len(good))
        self.assertEqual(self.run_main(with_headers, "--require-headers"), 0)
        self.assertEqual(self.run_main(good, "--require-headers"), 1)
        self.assertEqual(self.run_main(good), 0)

    def test_missing_file_fails(self):
        with contextlib.redirect_stdout(io.StringIO()):
            rc = validate.main(["--spec", os.path.join(FIXTURES, "spec.yaml"),
                                "--exchanges", "/nonexistent/exchanges.jsonl"])
        self.assertEqual(rc, 1)

    def test_project_spec_loads(self):
        """docs/openapi.yaml itself follows the rules (3.1, codes listed, cross-cutting)."""
        root = os.path.dirname(os.path.dirname(HERE))
        with open(os.path.join(root, "docs", "openapi.yaml"), encoding="utf-8") as f:
            spec = validate.Spec(yaml.safe_load(f))
        self.assertGreater(len(spec.operations), 30)
        doc = copy.deepcopy(spec.doc)
        self.assertIn(validate.CROSS_CUTTING, doc)


if __name__ == "__main__":
    unittest.main(verbosity=1)
