// `keywords` in JavaScript: keyword coverage with synonyms, the
// cross-language example. `../README.md` is the specification; the Rust, C
// and Python builds beside this one must give identical results on
// `../vectors.jsonl`.
//
// Strings here are UTF-16. The spec's word characters (ASCII letters and
// digits, and every code point >= 128) are exactly the UTF-16 code units
// that are ASCII letters or digits or >= 0x80, so the regular expressions
// below run without the `u` flag, one code unit at a time.

import { InvalidInput, Score, asciiLower, exportReward } from "rewasm";
import schema from "../schema.json";

const WORD = /[0-9A-Za-z\u0080-\uffff]+/g;
// A lone surrogate escape: JSON.parse accepts it, the other languages'
// JSON parsers refuse the text.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Splits `text` into words, lowering ASCII letters unless `caseSensitive`. */
export function words(text, caseSensitive) {
  return (caseSensitive ? text : asciiLower(text)).match(WORD) ?? [];
}

/**
 * The completion's words joined by single spaces, with a space at each end:
 * a term occurs when " w1 w2 ... " is a substring (words never hold spaces).
 */
function wordLine(text, caseSensitive) {
  return ` ${words(text, caseSensitive).join(" ")} `;
}

function occurs(termWords, line) {
  return line.includes(` ${termWords.join(" ")} `);
}

function describe(value) {
  return value === undefined ? "nothing" : JSON.stringify(value);
}

function term(value, what) {
  if (typeof value !== "string") {
    throw new InvalidInput(`${what}: a term must be a string, got ${describe(value)}`);
  }
  if (LONE_SURROGATE.test(value)) {
    throw new InvalidInput(`${what}: a term holds a lone surrogate escape`);
  }
  if (words(value, true).length === 0) {
    throw new InvalidInput(`${what}: the term ${JSON.stringify(value)} has no word`);
  }
  return value;
}

/** Parses an array of groups (the grammar of `keywords` and of references). */
function groups(value, what) {
  if (!Array.isArray(value)) {
    throw new InvalidInput(`${what} must be an array of groups`);
  }
  if (value.length === 0) {
    throw new InvalidInput(`${what} is empty`);
  }
  return value.map((group) => {
    if (!Array.isArray(group)) {
      return [term(group, what)];
    }
    if (group.length === 0) {
      throw new InvalidInput(`${what}: a group is an empty array`);
    }
    return group.map((t) => term(t, what));
  });
}

/** `missing: a, b, c, d, e and N more`. */
function missingClause(missing) {
  let clause = `missing: ${missing.slice(0, 5).join(", ")}`;
  if (missing.length > 5) {
    clause += ` and ${missing.length - 5} more`;
  }
  return clause;
}

class Keywords {
  constructor() {
    this.keywords = undefined;
    this.forbidden = [];
    this.forbiddenPenalty = 0.5;
    this.caseSensitive = false;
  }

  static info() {
    return {
      name: "keywords",
      version: "0.1.0",
      description: "Keyword coverage with synonyms; forbidden terms cost a penalty.",
      configSchema: JSON.stringify(schema),
      capabilities: [],
      needsImages: false,
    };
  }

  static configure(configJson) {
    let config;
    try {
      config = JSON.parse(configJson);
    } catch (e) {
      throw new InvalidInput(`config is not JSON: ${e.message}`);
    }
    if (config === null || typeof config !== "object" || Array.isArray(config)) {
      throw new InvalidInput("config must be a JSON object");
    }
    const reward = new Keywords();
    for (const [key, value] of Object.entries(config)) {
      switch (key) {
        case "keywords":
          reward.keywords = groups(value, "config: keywords");
          break;
        case "forbidden":
          if (!Array.isArray(value)) {
            throw new InvalidInput("config: forbidden must be an array of terms");
          }
          reward.forbidden = value.map((t) => term(t, "config: forbidden"));
          break;
        case "forbidden_penalty":
          if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
            throw new InvalidInput("config: forbidden_penalty must be a number >= 0");
          }
          reward.forbiddenPenalty = value;
          break;
        case "case_sensitive":
          if (typeof value !== "boolean") {
            throw new InvalidInput("config: case_sensitive must be true or false");
          }
          reward.caseSensitive = value;
          break;
        default:
          throw new InvalidInput(`config: unknown key \`${key}\``);
      }
    }
    return reward;
  }

  /** The groups this sample is scored against. */
  chosenGroups(sample) {
    if (sample.reference !== undefined && sample.reference !== null) {
      let value;
      try {
        value = JSON.parse(sample.reference);
      } catch (e) {
        throw new InvalidInput(`reference is not JSON: ${e.message}`);
      }
      return groups(value, "reference");
    }
    if (this.keywords === undefined) {
      throw new InvalidInput(
        "no keywords: set `keywords` in the config or give the sample a reference",
      );
    }
    return this.keywords;
  }

  score(sample) {
    const chosen = this.chosenGroups(sample);
    const line = wordLine(sample.completion, this.caseSensitive);
    const isCovered = (terms) => terms.some((t) => occurs(words(t, this.caseSensitive), line));
    const missing = chosen.filter((terms) => !isCovered(terms)).map((terms) => terms[0]);
    const hits = this.forbidden.filter((t) => occurs(words(t, this.caseSensitive), line));

    const covered = chosen.length - missing.length;
    const coverage = covered / chosen.length;
    let value = coverage - this.forbiddenPenalty * hits.length;
    if (value < -1.0) {
      value = -1.0;
    }
    const clauses = [];
    if (missing.length > 0) {
      clauses.push(missingClause(missing));
    }
    if (hits.length > 0) {
      clauses.push(`forbidden: ${hits.join(", ")}`);
    }
    const score = new Score(value)
      .withPart("coverage", coverage)
      .withPart("covered", covered)
      .withPart("forbidden", hits.length);
    return clauses.length > 0 ? score.withNote(clauses.join("; ")) : score;
  }
}

export const reward = exportReward(Keywords);
