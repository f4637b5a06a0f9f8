// The SDK's own tests, run natively: `node --test plugins/sdk-js/`.

import assert from "node:assert/strict";
import { test } from "node:test";

import {
  InvalidInput,
  Score,
  Unsupported,
  asciiEqualIgnoreCase,
  asciiLower,
  asciiTrim,
  configSchema,
  exportReward,
  parseConfig,
  requireReference,
} from "./rewasm.js";

const sample = (completion, reference) => ({
  id: "s",
  group: undefined,
  prompt: "",
  completion,
  completionTokens: 0,
  reference,
  metadata: "null",
  images: [],
  step: 0n,
});

class Echo {
  static info() {
    return { name: "echo", version: "0.1.0", description: "test" };
  }
  static configure(json) {
    return new Echo(parseConfig(json, { scale: { type: "number", default: 1 } }));
  }
  constructor(config) {
    this.config = config;
  }
  score(s) {
    if (s.completion === "throw-type") return null.x;
    if (s.completion === "throw-string") throw "oops";
    if (s.completion === "unsupported") throw new Unsupported("no images");
    if (s.completion === "promise") return Promise.resolve(1);
    return new Score(this.config.scale * s.completion.length).withPart("len", s.completion.length);
  }
}

test("exceptions become errors of their own sample only", () => {
  const reward = exportReward(Echo);
  assert.deepEqual(reward.configure("{}"), { tag: "ok", val: undefined });
  const out = reward.score(["ab", "throw-type", "throw-string", "unsupported", "promise"].map((c) => sample(c)));
  assert.deepEqual(out[0], { tag: "ok", val: { value: 2, parts: [{ name: "len", value: 2 }], note: undefined } });
  assert.equal(out[1].val.tag, "internal");
  assert.match(out[1].val.val, /^TypeError: /);
  assert.deepEqual(out[2], { tag: "err", val: { tag: "internal", val: "uncaught oops" } });
  assert.deepEqual(out[3], { tag: "err", val: { tag: "unsupported", val: "no images" } });
  assert.equal(out[4].val.tag, "internal");
});

test("a refused config is returned, and every sample then gets its error", () => {
  const reward = exportReward(Echo);
  const refused = reward.configure('{"scale": "big"}');
  assert.equal(refused.tag, "err");
  assert.equal(refused.val.tag, "invalid-input");
  assert.match(refused.val.val, /`scale`/);
  assert.deepEqual(reward.score([sample("a"), sample("b")]).map((r) => r.val.tag), ["invalid-input", "invalid-input"]);
});

test("scoring before configure uses the defaults", () => {
  const reward = exportReward(Echo);
  assert.equal(reward.score([sample("abc")])[0].val.value, 3);
});

test("scoreBatch replaces the loop and must return one result per sample", () => {
  const reward = exportReward({
    info: Echo.info,
    configure: () => ({
      scoreBatch: (samples) =>
        samples.length === 2 ? [new Score(1), new InvalidInput("bad")] : [new Score(1)],
    }),
  });
  reward.configure("{}");
  const two = reward.score([sample("a"), sample("b")]);
  assert.deepEqual(two.map((r) => r.tag), ["ok", "err"]);
  assert.deepEqual(two[1].val, { tag: "invalid-input", val: "bad" });
  const three = reward.score([sample("a"), sample("b"), sample("c")]);
  assert.deepEqual(three.map((r) => r.val.tag), ["internal", "internal", "internal"]);
});

test("info fills in defaults", () => {
  assert.deepEqual(exportReward(Echo).info(), {
    name: "echo",
    version: "0.1.0",
    description: "test",
    configSchema: '{"type": "object"}',
    capabilities: [],
    needsImages: false,
  });
});

test("parseConfig fills defaults and refuses unknown keys, wrong types and null", () => {
  const fields = {
    on: { type: "boolean", default: false },
    n: { type: "integer", default: 3, check: (v) => (v > 0 ? undefined : "must be positive") },
    tags: { type: "array", items: "string", default: [] },
    name: { type: "string" },
  };
  assert.deepEqual(parseConfig("", fields), { on: false, n: 3, tags: [], name: undefined });
  assert.deepEqual(parseConfig('{"on": true, "tags": ["x"]}', fields), { on: true, n: 3, tags: ["x"], name: undefined });
  const refused = (json) => {
    try {
      parseConfig(json, fields);
    } catch (e) {
      assert.ok(e instanceof InvalidInput);
      return e.message;
    }
    assert.fail(`accepted ${json}`);
  };
  assert.match(refused('{"of": true}'), /^config: unknown key `of`/);
  assert.match(refused('{"on": "yes"}'), /`on` must be true or false/);
  assert.match(refused('{"on": null}'), /`on` must be true or false, got null/);
  assert.match(refused('{"n": 1.5}'), /`n` must be an integer/);
  assert.match(refused('{"n": 0}'), /`n`: must be positive/);
  assert.match(refused('{"tags": ["x", 2]}'), /`tags`\[1\]/);
  assert.match(refused("[1]"), /JSON object/);
  assert.match(refused("{"), /not JSON/);
  // Defaults are copied, never shared between configs.
  parseConfig("{}", fields).tags.push("y");
  assert.deepEqual(parseConfig("{}", fields).tags, []);
});

test("configSchema describes the fields", () => {
  const schema = JSON.parse(configSchema({ on: { type: "boolean", default: false } }));
  assert.deepEqual(schema, {
    type: "object",
    properties: { on: { type: "boolean", default: false } },
    additionalProperties: false,
  });
});

test("ASCII helpers leave non-ASCII characters alone", () => {
  assert.equal(asciiLower("ÀBÇ-Straße"), "ÀbÇ-straße");
  assert.equal(asciiTrim("\u00a0 x \t\n"), "\u00a0 x");
  assert.equal(asciiTrim("\v x"), "\v x");
  assert.ok(asciiEqualIgnoreCase("Paris", "pARIS"));
  assert.ok(!asciiEqualIgnoreCase("É", "é"));
});

test("requireReference refuses a sample without one", () => {
  assert.equal(requireReference(sample("a", "42")), "42");
  assert.throws(() => requireReference(sample("a")), InvalidInput);
});
