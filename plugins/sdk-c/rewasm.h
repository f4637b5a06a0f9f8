/* rewasm C SDK: write a reward plugin over plain C types.
 *
 * A plugin defines four functions (see "What a plugin defines" below); the
 * SDK (rewasm.c) implements the component exports of
 * `rewasm:reward/reward@0.1.0` on top of them, converts between the
 * generated bindings and these types, and frees everything it allocates.
 * See README.md for the full API and an example.
 *
 * Strings are UTF-8 byte ranges (`rewasm_str`), not NUL-terminated: the
 * host's strings are valid UTF-8 but may contain NUL bytes. */
#ifndef REWASM_H
#define REWASM_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The WIT version this SDK builds against. */
#define REWASM_WIT_VERSION "0.1.0"

#if defined(__GNUC__) || defined(__clang__)
#define REWASM_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define REWASM_PRINTF(f, a)
#endif

/* ---- Strings ---------------------------------------------------------- */

/* A borrowed UTF-8 byte range. */
typedef struct {
  const char *ptr;
  size_t len;
} rewasm_str;

/* A rewasm_str of a string literal. */
#define REWASM_STR(lit) ((rewasm_str){(lit), sizeof(lit) - 1})
/* For printf-style functions: rewasm_fail(err, k, "got " REWASM_STR_FMT, REWASM_STR_ARG(s)). */
#define REWASM_STR_FMT "%.*s"
#define REWASM_STR_ARG(s) ((s).len > 0x7fffffff ? 0x7fffffff : (int)(s).len), ((s).ptr)

/* A rewasm_str of a NUL-terminated string (NULL gives the empty string). */
rewasm_str rewasm_str_c(const char *s);
/* The bytes from `start` to `end` (both clamped to the string's length). */
rewasm_str rewasm_str_slice(rewasm_str s, size_t start, size_t end);
/* `s` without leading and trailing ASCII whitespace (space, \t, \n, \r, \f, \v). */
rewasm_str rewasm_str_trim(rewasm_str s);
/* Byte-wise equality. */
bool rewasm_str_eq(rewasm_str a, rewasm_str b);
/* Equality that lets ASCII letters match either case (other bytes exact). */
bool rewasm_str_eq_ascii_nocase(rewasm_str a, rewasm_str b);
/* Offset of the first (rewasm_str_find) or last (rewasm_str_rfind)
 * occurrence of `needle` in `s`; false when there is none. An empty needle
 * occurs at 0 (find) and at s.len (rfind). */
bool rewasm_str_find(rewasm_str s, rewasm_str needle, size_t *at);
bool rewasm_str_rfind(rewasm_str s, rewasm_str needle, size_t *at);

/* A growable byte buffer. Start from `rewasm_buf b = {0};`, free with
 * rewasm_buf_free. When an allocation fails, `oom` is set and later appends
 * do nothing; the SDK turns that into an `internal` error. The bytes are
 * always followed by a NUL (once anything was appended). */
typedef struct {
  char *ptr;
  size_t len;
  size_t cap;
  bool oom;
} rewasm_buf;

bool rewasm_buf_append(rewasm_buf *b, const void *bytes, size_t len);
bool rewasm_buf_append_str(rewasm_buf *b, rewasm_str s);
bool rewasm_buf_append_c(rewasm_buf *b, const char *s);
bool rewasm_buf_appendf(rewasm_buf *b, const char *fmt, ...) REWASM_PRINTF(2, 3);
bool rewasm_buf_vappendf(rewasm_buf *b, const char *fmt, va_list ap);
/* The buffer's contents, borrowed. */
rewasm_str rewasm_buf_str(const rewasm_buf *b);
void rewasm_buf_clear(rewasm_buf *b);
void rewasm_buf_free(rewasm_buf *b);

/* ---- Errors ----------------------------------------------------------- */

/* What a plugin function returns: success, or the kind of error (the WIT
 * `reward-error` cases). */
typedef enum {
  REWASM_OK = 0,
  /* The sample (or config) is malformed, e.g. an unparsable reference. */
  REWASM_INVALID_INPUT = 1,
  /* The plugin cannot score this kind of sample. */
  REWASM_UNSUPPORTED = 2,
  /* A bug or unexpected state inside the plugin (also: out of memory). */
  REWASM_INTERNAL = 3,
} rewasm_status;

/* An error message, owned by the SDK; set it with rewasm_fail. */
typedef struct {
  rewasm_status kind;
  rewasm_buf message;
} rewasm_error;

/* Records an error of `kind` with a printf-style message and returns
 * `kind`, so a plugin can write `return rewasm_fail(err, ...);`. */
rewasm_status rewasm_fail(rewasm_error *err, rewasm_status kind, const char *fmt, ...)
    REWASM_PRINTF(3, 4);

/* ---- Samples and scores ----------------------------------------------- */

/* An image attached to a sample (only sent when info sets needs_images). */
typedef struct {
  rewasm_str mime;
  const uint8_t *data;
  size_t data_len;
} rewasm_image;

/* One completion to score (the WIT `sample`). Everything is borrowed and
 * valid only during the call that received it. */
typedef struct {
  /* Row id from the dataset. */
  rewasm_str id;
  /* Group id: completions of the same prompt share it. */
  bool has_group;
  rewasm_str group;
  rewasm_str prompt;
  rewasm_str completion;
  /* Completion length in policy tokens (0 when the host has no tokenizer). */
  uint32_t completion_tokens;
  /* Ground truth in the reward's own format, if any. */
  bool has_reference;
  rewasm_str reference;
  /* JSON text of the row's metadata (`null` when absent). */
  rewasm_str metadata;
  const rewasm_image *images;
  size_t images_len;
  /* Training step (0 outside training). */
  uint64_t step;
} rewasm_sample;

/* The sample's reference, or an `invalid-input` error ("the sample has no reference")
 * when it has none. */
rewasm_status rewasm_reference(const rewasm_sample *sample, rewasm_str *out, rewasm_error *err);

/* A named sub-score (name owned by the score). */
typedef struct {
  char *name;
  size_t name_len;
  double value;
} rewasm_part;

/* The result of scoring one sample. Set `value` directly; add parts and the
 * note with the functions below (they copy their arguments). The SDK clears
 * it before each sample and frees it after. */
typedef struct {
  /* The reward; must be finite (else the sample gets an `internal` error). */
  double value;
  rewasm_part *parts;
  size_t parts_len;
  size_t parts_cap;
  bool has_note;
  rewasm_buf note;
  bool oom;
} rewasm_score;

/* Appends a part; false when out of memory. */
bool rewasm_score_part(rewasm_score *s, const char *name, double value);
/* Sets (replaces) the note; false when out of memory. Notes over 4 KiB are
 * refused by the host. */
bool rewasm_score_note(rewasm_score *s, rewasm_str note);
bool rewasm_score_notef(rewasm_score *s, const char *fmt, ...) REWASM_PRINTF(2, 3);
/* The value of the first part called `name`, if any. */
bool rewasm_score_get_part(const rewasm_score *s, const char *name, double *value);

/* ---- Plugin info ------------------------------------------------------ */

/* Host capabilities a plugin may ask for (bit flags). */
typedef enum {
  REWASM_CAP_LOG = 1 << 0,
  REWASM_CAP_JUDGE = 1 << 1,
} rewasm_capability;

/* What a plugin says about itself. The SDK copies the strings. */
typedef struct {
  const char *name;
  const char *version;
  const char *description;
  /* JSON Schema of the config object; NULL means {"type": "object"}. */
  const char *config_schema;
  /* An OR of rewasm_capability flags. */
  unsigned capabilities;
  bool needs_images;
} rewasm_plugin_info;

/* ---- What a plugin defines -------------------------------------------- */

/* Fills in the plugin's description (the SDK zeroes `info` first). */
void rewasm_info(rewasm_plugin_info *info);

/* Called with the JSON text of the reward's config (`{}` when none) before
 * any scoring, possibly again later. On error, keep the previous config. If
 * the host scores before configuring, the SDK configures with `{}`. */
rewasm_status rewasm_configure(rewasm_str config, rewasm_error *err);

/* Scores one sample into `out` (zeroed), or returns an error kind after
 * calling rewasm_fail on `err`. */
rewasm_status rewasm_score_one(const rewasm_sample *sample, rewasm_score *out, rewasm_error *err);

/* One sample's outcome in a batch. */
typedef struct {
  rewasm_status status;
  rewasm_score score;
  rewasm_error error;
} rewasm_outcome;

/* Scores a batch; `outcomes` has `n` zeroed entries. The SDK's default
 * (a weak symbol) calls rewasm_score_one for each sample in order; define
 * your own for group-aware rewards (rewasm_score_one must still exist). */
void rewasm_score_batch(const rewasm_sample *samples, rewasm_outcome *outcomes, size_t n);

/* ---- Host calls (need a capability) ---------------------------------- */

/* These import `rewasm:reward/log` and `rewasm:reward/judge`: a component
 * imports them only when the plugin calls them, and the reward set must
 * then grant the capability (declare it in rewasm_info too). They exist
 * in the wasm build only. */

typedef enum {
  REWASM_LOG_DEBUG = 0,
  REWASM_LOG_INFO = 1,
  REWASM_LOG_WARN = 2,
  REWASM_LOG_ERROR = 3,
} rewasm_log_level;

/* Logs a message through the host (capability `log`). */
void rewasm_log(rewasm_log_level level, rewasm_str message);
void rewasm_logf(rewasm_log_level level, const char *fmt, ...) REWASM_PRINTF(2, 3);

/* One question for the judge model. */
typedef struct {
  rewasm_str prompt;
  uint32_t max_tokens;
  float temperature;
} rewasm_judge_request;

/* The judge's answer (`ok`) or its error message, in `text`. */
typedef struct {
  bool ok;
  rewasm_buf text;
} rewasm_judge_answer;

/* Asks the judge (capability `judge`): fills answers[0..n) in order, or
 * returns `internal` (answers then hold nothing). Free the answers with
 * rewasm_judge_answers_free. Time spent here counts against the reward's
 * deadline. */
rewasm_status rewasm_judge(const rewasm_judge_request *requests, size_t n, rewasm_judge_answer *answers,
                           rewasm_error *err);
void rewasm_judge_answers_free(rewasm_judge_answer *answers, size_t n);

/* ---- JSON ------------------------------------------------------------- */

typedef enum {
  REWASM_JSON_NULL,
  REWASM_JSON_BOOL,
  REWASM_JSON_NUMBER,
  REWASM_JSON_STRING,
  REWASM_JSON_ARRAY,
  REWASM_JSON_OBJECT,
} rewasm_json_type;

typedef struct rewasm_json rewasm_json;
typedef struct rewasm_json_member rewasm_json_member;

/* A parsed JSON value (RFC 8259). Numbers are doubles; strings are decoded
 * UTF-8 (with a NUL after the last byte, but they may contain NUL). */
struct rewasm_json {
  rewasm_json_type type;
  bool boolean;
  double number;
  rewasm_str string;
  /* Arrays: `len` items. Objects: `len` members, in document order. */
  size_t len;
  rewasm_json *items;
  rewasm_json_member *members;
};

struct rewasm_json_member {
  rewasm_str key;
  rewasm_json value;
};

/* Nesting deeper than this is refused (as serde_json does). */
#define REWASM_JSON_MAX_DEPTH 128

/* Parses JSON text (whitespace around the value is allowed). On error
 * returns NULL and sets an `invalid-input` error whose message starts with
 * `what` (e.g. "reference") and says what is wrong and at which byte. */
rewasm_json *rewasm_json_parse(rewasm_str text, const char *what, rewasm_error *err);
void rewasm_json_free(rewasm_json *value);
/* The first member of an object called `key`; NULL when absent or when
 * `object` is not an object. */
const rewasm_json *rewasm_json_get(const rewasm_json *object, const char *key);
/* "null", "a boolean", "a number", "a string", "an array", "an object". */
const char *rewasm_json_type_name(rewasm_json_type type);

/* ---- Config ----------------------------------------------------------- */

/* Parses a config: empty text means `{}`; anything but an object, a key not
 * in the NULL-terminated `known_keys`, or a key given twice is refused with
 * `invalid-input` ("config: ..."). Free the result with rewasm_json_free. */
rewasm_json *rewasm_config_parse(rewasm_str text, const char *const *known_keys, rewasm_error *err);

/* Typed getters: when `key` is absent they leave `*out` (your default) and
 * succeed; when its value has another type (null included) they fail with
 * `invalid-input` naming the key. Borrowed results live as long as `config`. */
rewasm_status rewasm_config_bool(const rewasm_json *config, const char *key, bool *out, rewasm_error *err);
rewasm_status rewasm_config_number(const rewasm_json *config, const char *key, double *out, rewasm_error *err);
rewasm_status rewasm_config_string(const rewasm_json *config, const char *key, rewasm_str *out, rewasm_error *err);
rewasm_status rewasm_config_array(const rewasm_json *config, const char *key, const rewasm_json **out, rewasm_error *err);
rewasm_status rewasm_config_object(const rewasm_json *config, const char *key, const rewasm_json **out, rewasm_error *err);

#ifdef __cplusplus
}
#endif

#endif /* REWASM_H */
