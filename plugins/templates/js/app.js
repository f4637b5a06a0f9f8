// {{name}}: a rewasm reward plugin.
//
// The reward: the answer is the text after the last `Answer:` in the
// completion (the whole completion when there is none), trimmed; it scores
// 1.0 when it equals the sample's reference (also trimmed), else 0.0. ASCII
// letters compare case-insensitively unless the config says
// `{"case_sensitive": true}`.
//
// `rewasm build` bundles this module with the SDK (imported as "rewasm")
// and turns it into a Wasm component; the `export const reward` line at the
// bottom wires the class to the WIT exports.

import {
  Score,
  asciiEqualIgnoreCase,
  asciiTrim,
  configSchema,
  exportReward,
  parseConfig,
  requireReference,
} from "rewasm";

/** The config: a JSON object; unknown keys and wrong types are refused. */
const CONFIG = {
  // Compare ASCII letters exactly (default: either case matches).
  case_sensitive: { type: "boolean", default: false },
};

/** The text after the last `Answer:` (the whole text without one), trimmed. */
export function finalAnswer(completion) {
  const at = completion.lastIndexOf("Answer:");
  return asciiTrim(at < 0 ? completion : completion.slice(at + "Answer:".length));
}

class ExactAnswer {
  constructor(config) {
    this.config = config;
  }

  static info() {
    return {
      name: "{{name}}",
      version: "0.1.0",
      description: "1.0 when the final answer equals the reference, else 0.0",
      configSchema: configSchema(CONFIG),
    };
  }

  static configure(configJson) {
    return new ExactAnswer(parseConfig(configJson, CONFIG));
  }

  score(sample) {
    const reference = asciiTrim(requireReference(sample));
    const answer = finalAnswer(sample.completion);
    const same = this.config.case_sensitive
      ? answer === reference
      : asciiEqualIgnoreCase(answer, reference);
    const value = same ? 1.0 : 0.0;
    return new Score(value).withPart("exact", value);
  }
}

export const reward = exportReward(ExactAnswer);
