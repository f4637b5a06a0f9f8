// Guest-side helpers for rewasm reward plugins written in JavaScript.
//
// A plugin is a class (or any object) with `info()` and `configure(json)`
// that returns something with `score(sample)`; `exportReward` turns it into
// the object componentize-js binds to the `rewasm:reward/reward@0.1.0`
// exports. The plugin's entry module must say
// `export const reward = exportReward(MyReward);`.
//
// Everything here is plain JavaScript: no import of the host, so the same
// code runs under Node for tests.

/** The WIT version this SDK builds against. */
export const WIT_VERSION = "0.1.0";

// ---------------------------------------------------------------- errors

/** An error the plugin reports for one sample (or for `configure`). */
export class RewardError extends Error {
  /** `kind` is the WIT case: "invalid-input", "unsupported" or "internal". */
  constructor(kind, message) {
    super(message);
    this.name = "RewardError";
    this.kind = kind;
  }
}

/** The sample (or config) is malformed, e.g. an unparsable reference. */
export class InvalidInput extends RewardError {
  constructor(message) {
    super("invalid-input", message);
    this.name = "InvalidInput";
  }
}

/** The plugin cannot score this kind of sample. */
export class Unsupported extends RewardError {
  constructor(message) {
    super("unsupported", message);
    this.name = "Unsupported";
  }
}

/** A bug or unexpected state inside the plugin. */
export class Internal extends RewardError {
  constructor(message) {
    super("internal", message);
    this.name = "Internal";
  }
}

// ---------------------------------------------------------------- scores

/** The result of scoring one sample: a value, named parts and a note. */
export class Score {
  constructor(value) {
    /** The reward; must be finite. */
    this.value = value;
    /** Named sub-scores, `{name, value}`, logged beside the total. */
    this.parts = [];
    /** Short explanation (at most 4 KiB), or undefined. */
    this.note = undefined;
  }

  /** Adds a part and returns the score (for chaining). */
  withPart(name, value) {
    this.parts.push({ name, value });
    return this;
  }

  /** Sets the note and returns the score. */
  withNote(note) {
    this.note = note;
    return this;
  }

  /** The value of the part called `name`, or undefined. */
  part(name) {
    const found = this.parts.find((p) => p.name === name);
    return found === undefined ? undefined : found.value;
  }
}

// --------------------------------------------------------------- samples

/**
 * The sample's reference, or an InvalidInput error when it has none.
 * `what` names the reward's expectation in the message.
 */
export function requireReference(sample, what = "a reference") {
  if (sample.reference === undefined || sample.reference === null) {
    throw new InvalidInput(`the sample has no reference (this reward needs ${what})`);
  }
  return sample.reference;
}

/** The sample's metadata parsed as JSON (null when it does not parse). */
export function metadataJson(sample) {
  try {
    return JSON.parse(sample.metadata);
  } catch {
    return null;
  }
}

// ------------------------------------------------------------ ASCII text
//
// JavaScript's toLowerCase() and trim() follow Unicode; the other SDKs (and
// cross-language specs) fold and trim ASCII only, so these are exact.

/** Lowers the ASCII letters A-Z; every other character is kept. */
export function asciiLower(text) {
  return text.replace(/[A-Z]+/g, (run) => run.toLowerCase());
}

/** Removes ASCII whitespace (space, \t, \n, \f, \r) from both ends. */
export function asciiTrim(text) {
  return text.replace(/^[ \t\n\f\r]+|[ \t\n\f\r]+$/g, "");
}

/** Whether `a` equals `b` when ASCII letters are compared in either case. */
export function asciiEqualIgnoreCase(a, b) {
  return a.length === b.length && asciiLower(a) === asciiLower(b);
}

// --------------------------------------------------------------- configs

const TYPE_CHECKS = {
  boolean: (v) => typeof v === "boolean",
  number: (v) => typeof v === "number" && Number.isFinite(v),
  integer: (v) => Number.isSafeInteger(v),
  string: (v) => typeof v === "string",
  array: (v) => Array.isArray(v),
  object: (v) => v !== null && typeof v === "object" && !Array.isArray(v),
};

const TYPE_NAMES = {
  boolean: "true or false",
  number: "a finite number",
  integer: "an integer",
  string: "a string",
  array: "an array",
  object: "an object",
};

/** An InvalidInput error about the config, in the form parse errors take. */
export function configError(message) {
  return new InvalidInput(`config: ${message}`);
}

/**
 * Parses a config's JSON text against declared fields and returns a plain
 * object with every declared key (defaults filled in).
 *
 * `fields` maps each key to `{type, default, items, check}`:
 * - `type`: "boolean", "number" (finite), "integer", "string", "array" or
 *   "object";
 * - `default`: the value when the key is absent (a key without one is
 *   undefined when absent; arrays and objects are copied per call);
 * - `items` (arrays only): the type every element must have;
 * - `check(value)`: optional; return a message (string) to refuse the value.
 *
 * Refused with InvalidInput("config: ...") naming the key: text that is not a
 * JSON object, an unknown key, a value of the wrong type (null included), a
 * failed check. An empty text means `{}`.
 */
export function parseConfig(json, fields) {
  const text = asciiTrim(json);
  let raw;
  try {
    raw = text === "" ? {} : JSON.parse(text);
  } catch (e) {
    throw configError(`not JSON: ${e.message}`);
  }
  if (!TYPE_CHECKS.object(raw)) {
    throw configError("must be a JSON object");
  }
  for (const key of Object.keys(raw)) {
    if (!Object.hasOwn(fields, key)) {
      throw configError(`unknown key \`${key}\``);
    }
  }
  const config = {};
  for (const [key, field] of Object.entries(fields)) {
    if (!Object.hasOwn(raw, key)) {
      config[key] = copyDefault(field.default);
      continue;
    }
    const value = raw[key];
    const check = TYPE_CHECKS[field.type];
    if (check === undefined) {
      throw new Internal(`config field \`${key}\` has unknown type ${field.type}`);
    }
    if (!check(value)) {
      throw configError(`\`${key}\` must be ${TYPE_NAMES[field.type]}, got ${describe(value)}`);
    }
    if (field.items !== undefined) {
      const itemCheck = TYPE_CHECKS[field.items];
      const bad = value.findIndex((item) => !itemCheck(item));
      if (bad >= 0) {
        throw configError(
          `\`${key}\`[${bad}] must be ${TYPE_NAMES[field.items]}, got ${describe(value[bad])}`,
        );
      }
    }
    if (field.check !== undefined) {
      const problem = field.check(value);
      if (typeof problem === "string") {
        throw configError(`\`${key}\`: ${problem}`);
      }
    }
    config[key] = value;
  }
  return config;
}

/** The JSON Schema (as text) of the fields given to parseConfig. */
export function configSchema(fields) {
  const properties = {};
  for (const [key, field] of Object.entries(fields)) {
    const prop = { type: field.type };
    if (field.items !== undefined) prop.items = { type: field.items };
    if (field.default !== undefined) prop.default = field.default;
    if (field.description !== undefined) prop.description = field.description;
    properties[key] = prop;
  }
  return JSON.stringify({ type: "object", properties, additionalProperties: false });
}

function copyDefault(value) {
  if (Array.isArray(value) || (value !== null && typeof value === "object")) {
    return JSON.parse(JSON.stringify(value));
  }
  return value;
}

function describe(value) {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? value.slice(0, 40) + "..." : value);
  if (typeof value === "object") return "an object";
  return String(value);
}

// --------------------------------------------------------------- exports

/**
 * Wraps a reward for componentize-js. `plugin` has:
 * - `info()`: `{name, version, description, configSchema?, capabilities?,
 *   needsImages?}` (defaults: `{"type": "object"}`, `[]`, `false`);
 * - `configure(configJson)`: returns the configured reward (throw a
 *   RewardError to refuse the config);
 * - and the configured reward has `score(sample)` returning a Score (or a
 *   plain `{value, parts?, note?}`, or a number), and optionally
 *   `scoreBatch(samples)` returning one Score or RewardError per sample.
 *
 * Any exception that is not a RewardError becomes an `internal` error of
 * that sample (or of `configure`); nothing thrown reaches the engine.
 */
export function exportReward(plugin) {
  // The bindings call these functions unbound, so they share state through
  // this closure rather than `this`.
  let configured;
  let refused;
  const configure = (configJson) => {
    try {
      configured = plugin.configure(configJson);
      refused = undefined;
      if (typeof configured?.score !== "function" && typeof configured?.scoreBatch !== "function") {
        throw new Internal("configure() must return the configured reward (an object with score)");
      }
      return { tag: "ok", val: undefined };
    } catch (e) {
      configured = undefined;
      refused = toWitError(e);
      return { tag: "err", val: refused };
    }
  };
  return {
    info() {
      return toWitInfo(plugin.info());
    },
    configure,
    score(samples) {
      if (configured === undefined && refused === undefined) {
        // The host always configures first; fall back to defaults anyway.
        configure("{}");
      }
      if (configured === undefined) {
        return samples.map(() => ({ tag: "err", val: refused }));
      }
      return scoreAll(configured, samples);
    },
  };
}

function scoreAll(reward, samples) {
  if (typeof reward.scoreBatch !== "function") {
    return samples.map((sample) => scoreOne(reward, sample));
  }
  let results;
  try {
    results = reward.scoreBatch(samples);
    if (!Array.isArray(results) || results.length !== samples.length) {
      throw new Internal(
        `scoreBatch returned ${Array.isArray(results) ? results.length : typeof results} results for ${samples.length} samples`,
      );
    }
  } catch (e) {
    const err = { tag: "err", val: toWitError(e) };
    return samples.map(() => err);
  }
  return results.map((r) => (r instanceof Error ? { tag: "err", val: toWitError(r) } : toWitResult(r)));
}

function scoreOne(reward, sample) {
  try {
    return toWitResult(reward.score(sample));
  } catch (e) {
    return { tag: "err", val: toWitError(e) };
  }
}

function toWitResult(score) {
  try {
    return { tag: "ok", val: toWitScore(score) };
  } catch (e) {
    return { tag: "err", val: toWitError(e) };
  }
}

function toWitScore(score) {
  if (typeof score === "number") {
    return { value: score, parts: [], note: undefined };
  }
  if (typeof score?.then === "function") {
    throw new Internal("score() returned a Promise; scoring is synchronous");
  }
  if (score === null || typeof score !== "object" || typeof score.value !== "number") {
    throw new Internal(`score() must return a Score or a number, got ${describe(score)}`);
  }
  const parts = (score.parts ?? []).map((p) => {
    if (typeof p?.name !== "string" || typeof p?.value !== "number") {
      throw new Internal("a part must be {name: string, value: number}");
    }
    return { name: p.name, value: p.value };
  });
  const note = score.note ?? undefined;
  if (note !== undefined && typeof note !== "string") {
    throw new Internal(`a note must be a string, got ${describe(note)}`);
  }
  return { value: score.value, parts, note };
}

const ERROR_KINDS = ["invalid-input", "unsupported", "internal"];

function toWitError(e) {
  if (e instanceof RewardError && ERROR_KINDS.includes(e.kind)) {
    return { tag: e.kind, val: String(e.message) };
  }
  let message;
  try {
    message = e instanceof Error ? `${e.name}: ${e.message}` : `uncaught ${String(e)}`;
  } catch {
    message = "uncaught exception";
  }
  return { tag: "internal", val: message };
}

function toWitInfo(info) {
  return {
    name: info.name,
    version: info.version,
    description: info.description ?? "",
    configSchema: info.configSchema ?? '{"type": "object"}',
    capabilities: info.capabilities ?? [],
    needsImages: info.needsImages ?? false,
  };
}
