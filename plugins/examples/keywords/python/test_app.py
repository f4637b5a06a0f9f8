"""Native checks of the Python keywords plugin: every conformance vector
(value, parts, error kind) and the config schema.

    PYTHONPATH=../../../sdk-python python3 -m unittest test_app
"""

import json
import pathlib
import unittest

import app
from rewasm_plugin import RewardError, Sample

HERE = pathlib.Path(__file__).resolve().parent


class Vectors(unittest.TestCase):
    def test_every_vector(self):
        lines = (HERE.parent / "vectors.jsonl").read_text(encoding="utf-8").splitlines()
        cases = [json.loads(line) for line in lines if line.strip()]
        self.assertGreaterEqual(len(cases), 38)
        for case in cases:
            with self.subTest(case["name"]):
                expect, s = case["expect"], case["sample"]
                sample = Sample(completion=s.get("completion", ""), reference=s.get("reference"))
                try:
                    reward = app.Keywords.configure(json.dumps(case.get("config", {})))
                    result = reward.score_batch([sample])[0]
                except RewardError as e:
                    result = e
                if "error" in expect:
                    self.assertIsInstance(result, RewardError)
                    self.assertEqual(result.kind, expect["error"])
                    self.assertIn(expect.get("message_contains", ""), result.message)
                    continue
                self.assertNotIsInstance(result, RewardError)
                tolerance = expect.get("tolerance", 1e-9)
                self.assertLessEqual(abs(result.value - expect["value"]), tolerance)
                for name, value in expect.get("parts", {}).items():
                    self.assertLessEqual(abs(result.part(name) - value), tolerance, name)

    def test_notes(self):
        reward = app.Keywords.configure('{"keywords": ["a", "b", "c", "d", "e", "f", "g"], "forbidden": ["x", "x"]}')
        score = reward.score(Sample(completion="g x"))
        self.assertEqual(score.note, "missing: a, b, c, d, e and 1 more; forbidden: x, x")
        self.assertIsNone(reward.score(Sample(completion="a b c d e f g")).note)

    def test_schema_is_the_shared_one(self):
        shared = json.loads((HERE.parent / "schema.json").read_text(encoding="utf-8"))
        self.assertEqual(json.loads(app.Keywords.info().config_schema), shared)


if __name__ == "__main__":
    unittest.main()
