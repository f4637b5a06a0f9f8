/* rewasm C SDK: a strict JSON parser (RFC 8259) and typed config getters.
 * The API is documented in rewasm.h and README.md. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rewasm.h"

/* ---- JSON ------------------------------------------------------------- */

typedef struct {
  const unsigned char *s;
  size_t len;
  size_t pos;
  const char *what;
  rewasm_error *err;
} json_parser;

static bool json_error(json_parser *p, const char *msg) {
  rewasm_fail(p->err, REWASM_INVALID_INPUT, "%s: %s at byte %zu", p->what, msg, p->pos);
  return false;
}

static void json_skip_ws(json_parser *p) {
  while (p->pos < p->len) {
    unsigned char c = p->s[p->pos];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
    p->pos++;
  }
}

static bool json_literal(json_parser *p, const char *word) {
  size_t n = strlen(word);
  if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0) return json_error(p, "invalid literal");
  p->pos += n;
  return true;
}

static bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

static bool json_number(json_parser *p, rewasm_json *out) {
  size_t start = p->pos;
  if (p->pos < p->len && p->s[p->pos] == '-') p->pos++;
  if (p->pos >= p->len || !is_digit(p->s[p->pos])) return json_error(p, "invalid number");
  if (p->s[p->pos] == '0') {
    p->pos++;
  } else {
    while (p->pos < p->len && is_digit(p->s[p->pos])) p->pos++;
  }
  if (p->pos < p->len && p->s[p->pos] == '.') {
    p->pos++;
    if (p->pos >= p->len || !is_digit(p->s[p->pos])) return json_error(p, "invalid number");
    while (p->pos < p->len && is_digit(p->s[p->pos])) p->pos++;
  }
  if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
    p->pos++;
    if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-')) p->pos++;
    if (p->pos >= p->len || !is_digit(p->s[p->pos])) return json_error(p, "invalid number");
    while (p->pos < p->len && is_digit(p->s[p->pos])) p->pos++;
  }
  out->type = REWASM_JSON_NUMBER;
  /* Integers of up to 15 digits convert exactly; skip strtod for them. */
  size_t digits_at = start + (p->s[start] == '-');
  if (p->pos - digits_at <= 15) {
    uint64_t n = 0;
    size_t i = digits_at;
    while (i < p->pos && is_digit(p->s[i])) n = n * 10 + (uint64_t)(p->s[i++] - '0');
    if (i == p->pos) {
      out->number = p->s[start] == '-' ? -(double)n : (double)n;
      return true;
    }
  }
  /* strtod needs a NUL-terminated copy; the grammar above already holds. */
  rewasm_buf text = {0};
  if (!rewasm_buf_append(&text, p->s + start, p->pos - start)) {
    rewasm_buf_free(&text);
    return json_error(p, "out of memory");
  }
  double v = strtod(text.ptr, NULL);
  rewasm_buf_free(&text);
  if (isinf(v)) {
    p->pos = start;
    return json_error(p, "number out of range");
  }
  out->number = v;
  return true;
}

static int hex_value(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static bool json_hex4(json_parser *p, unsigned *out) {
  if (p->len - p->pos < 4) return json_error(p, "truncated \\u escape");
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    int h = hex_value(p->s[p->pos + i]);
    if (h < 0) return json_error(p, "invalid \\u escape");
    v = v * 16 + (unsigned)h;
  }
  p->pos += 4;
  *out = v;
  return true;
}

static bool buf_put_utf8(rewasm_buf *b, unsigned cp) {
  unsigned char u[4];
  size_t n;
  if (cp < 0x80) {
    u[0] = (unsigned char)cp;
    n = 1;
  } else if (cp < 0x800) {
    u[0] = (unsigned char)(0xC0 | (cp >> 6));
    u[1] = (unsigned char)(0x80 | (cp & 0x3F));
    n = 2;
  } else if (cp < 0x10000) {
    u[0] = (unsigned char)(0xE0 | (cp >> 12));
    u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    u[2] = (unsigned char)(0x80 | (cp & 0x3F));
    n = 3;
  } else {
    u[0] = (unsigned char)(0xF0 | (cp >> 18));
    u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    u[3] = (unsigned char)(0x80 | (cp & 0x3F));
    n = 4;
  }
  return rewasm_buf_append(b, u, n);
}

/* Length of the well-formed UTF-8 sequence at s[0..avail), or 0. */
static size_t utf8_sequence(const unsigned char *s, size_t avail) {
  unsigned char c = s[0];
  size_t n;
  unsigned cp;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
    cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (avail < n) return 0;
  for (size_t i = 1; i < n; i++) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (s[i] & 0x3F);
  }
  if ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
    return 0;
  return n;
}

/* Parses a string at p->pos (which is at the opening quote) into `out`. */
static bool json_string(json_parser *p, rewasm_str *out) {
  rewasm_buf b = {0};
  p->pos++;
  rewasm_buf_append(&b, "", 0);
  for (;;) {
    if (b.oom) goto oom;
    if (p->pos >= p->len) {
      json_error(p, "unterminated string");
      goto fail;
    }
    unsigned char c = p->s[p->pos];
    if (c == '"') {
      p->pos++;
      break;
    }
    if (c < 0x20) {
      json_error(p, "control character in string");
      goto fail;
    }
    if (c != '\\') {
      /* Copy a run of plain bytes at once. */
      size_t start = p->pos;
      while (p->pos < p->len) {
        c = p->s[p->pos];
        if (c == '"' || c == '\\' || c < 0x20) break;
        size_t n = utf8_sequence(p->s + p->pos, p->len - p->pos);
        if (n == 0) {
          json_error(p, "invalid UTF-8 in string");
          goto fail;
        }
        p->pos += n;
      }
      rewasm_buf_append(&b, p->s + start, p->pos - start);
      continue;
    }
    p->pos++;
    if (p->pos >= p->len) {
      json_error(p, "unterminated string");
      goto fail;
    }
    c = p->s[p->pos++];
    char simple = 0;
    switch (c) {
      case '"': simple = '"'; break;
      case '\\': simple = '\\'; break;
      case '/': simple = '/'; break;
      case 'b': simple = '\b'; break;
      case 'f': simple = '\f'; break;
      case 'n': simple = '\n'; break;
      case 'r': simple = '\r'; break;
      case 't': simple = '\t'; break;
      case 'u': break;
      default:
        p->pos--;
        json_error(p, "invalid escape");
        goto fail;
    }
    if (simple) {
      rewasm_buf_append(&b, &simple, 1);
      continue;
    }
    unsigned cp;
    if (!json_hex4(p, &cp)) goto fail;
    if (cp >= 0xDC00 && cp <= 0xDFFF) {
      json_error(p, "lone trailing surrogate in \\u escape");
      goto fail;
    }
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      unsigned lo;
      if (p->len - p->pos < 2 || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u') {
        json_error(p, "lone leading surrogate in \\u escape");
        goto fail;
      }
      p->pos += 2;
      if (!json_hex4(p, &lo)) goto fail;
      if (lo < 0xDC00 || lo > 0xDFFF) {
        json_error(p, "lone leading surrogate in \\u escape");
        goto fail;
      }
      cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    }
    buf_put_utf8(&b, cp);
  }
  if (b.oom) goto oom;
  *out = (rewasm_str){b.ptr, b.len};
  return true;
oom:
  json_error(p, "out of memory");
fail:
  rewasm_buf_free(&b);
  return false;
}

static void json_free_value(rewasm_json *v);

static bool json_value(json_parser *p, rewasm_json *out, int depth);

/* Grows an array of `size`-byte elements to hold one more. */
static bool grow(void **items, size_t *cap, size_t len, size_t size) {
  if (len < *cap) return true;
  size_t n = *cap ? *cap * 2 : 4;
  if (n > SIZE_MAX / size) return false;
  void *q = realloc(*items, n * size);
  if (!q) return false;
  *items = q;
  *cap = n;
  return true;
}

static bool json_array(json_parser *p, rewasm_json *out, int depth) {
  rewasm_json *items = NULL;
  size_t len = 0, cap = 0;
  p->pos++;
  json_skip_ws(p);
  if (p->pos < p->len && p->s[p->pos] == ']') {
    p->pos++;
  } else {
    for (;;) {
      if (!grow((void **)&items, &cap, len, sizeof *items)) {
        json_error(p, "out of memory");
        goto fail;
      }
      items[len] = (rewasm_json){0};
      if (!json_value(p, &items[len], depth + 1)) goto fail;
      len++;
      json_skip_ws(p);
      if (p->pos < p->len && p->s[p->pos] == ',') {
        p->pos++;
        continue;
      }
      if (p->pos < p->len && p->s[p->pos] == ']') {
        p->pos++;
        break;
      }
      json_error(p, "expected `,` or `]`");
      goto fail;
    }
  }
  out->type = REWASM_JSON_ARRAY;
  out->items = items;
  out->len = len;
  return true;
fail:
  for (size_t i = 0; i < len; i++) json_free_value(&items[i]);
  free(items);
  return false;
}

static bool json_object(json_parser *p, rewasm_json *out, int depth) {
  rewasm_json_member *members = NULL;
  size_t len = 0, cap = 0;
  p->pos++;
  json_skip_ws(p);
  if (p->pos < p->len && p->s[p->pos] == '}') {
    p->pos++;
  } else {
    for (;;) {
      json_skip_ws(p);
      if (p->pos >= p->len || p->s[p->pos] != '"') {
        json_error(p, "expected a key string");
        goto fail;
      }
      if (!grow((void **)&members, &cap, len, sizeof *members)) {
        json_error(p, "out of memory");
        goto fail;
      }
      members[len] = (rewasm_json_member){0};
      if (!json_string(p, &members[len].key)) goto fail;
      json_skip_ws(p);
      if (p->pos >= p->len || p->s[p->pos] != ':') {
        free((char *)members[len].key.ptr);
        json_error(p, "expected `:`");
        goto fail;
      }
      p->pos++;
      if (!json_value(p, &members[len].value, depth + 1)) {
        free((char *)members[len].key.ptr);
        goto fail;
      }
      len++;
      json_skip_ws(p);
      if (p->pos < p->len && p->s[p->pos] == ',') {
        p->pos++;
        continue;
      }
      if (p->pos < p->len && p->s[p->pos] == '}') {
        p->pos++;
        break;
      }
      json_error(p, "expected `,` or `}`");
      goto fail;
    }
  }
  out->type = REWASM_JSON_OBJECT;
  out->members = members;
  out->len = len;
  return true;
fail:
  for (size_t i = 0; i < len; i++) {
    free((char *)members[i].key.ptr);
    json_free_value(&members[i].value);
  }
  free(members);
  return false;
}

static bool json_value(json_parser *p, rewasm_json *out, int depth) {
  if (depth > REWASM_JSON_MAX_DEPTH) return json_error(p, "nesting too deep");
  json_skip_ws(p);
  if (p->pos >= p->len) return json_error(p, "unexpected end of input");
  switch (p->s[p->pos]) {
    case 'n':
      out->type = REWASM_JSON_NULL;
      return json_literal(p, "null");
    case 't':
      out->type = REWASM_JSON_BOOL;
      out->boolean = true;
      return json_literal(p, "true");
    case 'f':
      out->type = REWASM_JSON_BOOL;
      out->boolean = false;
      return json_literal(p, "false");
    case '"':
      if (!json_string(p, &out->string)) return false;
      out->type = REWASM_JSON_STRING;
      return true;
    case '[':
      return json_array(p, out, depth);
    case '{':
      return json_object(p, out, depth);
    default:
      if (p->s[p->pos] != '-' && !is_digit(p->s[p->pos])) return json_error(p, "expected a JSON value");
      return json_number(p, out);
  }
}

static void json_free_value(rewasm_json *v) {
  switch (v->type) {
    case REWASM_JSON_STRING:
      free((char *)v->string.ptr);
      break;
    case REWASM_JSON_ARRAY:
      for (size_t i = 0; i < v->len; i++) json_free_value(&v->items[i]);
      free(v->items);
      break;
    case REWASM_JSON_OBJECT:
      for (size_t i = 0; i < v->len; i++) {
        free((char *)v->members[i].key.ptr);
        json_free_value(&v->members[i].value);
      }
      free(v->members);
      break;
    default:
      break;
  }
  *v = (rewasm_json){0};
}

rewasm_json *rewasm_json_parse(rewasm_str text, const char *what, rewasm_error *err) {
  json_parser p = {(const unsigned char *)text.ptr, text.len, 0, what ? what : "JSON", err};
  rewasm_json *v = calloc(1, sizeof *v);
  if (!v) {
    rewasm_fail(err, REWASM_INTERNAL, "out of memory");
    return NULL;
  }
  if (!json_value(&p, v, 1)) {
    free(v);
    return NULL;
  }
  json_skip_ws(&p);
  if (p.pos != p.len) {
    json_error(&p, "trailing characters");
    rewasm_json_free(v);
    return NULL;
  }
  return v;
}

void rewasm_json_free(rewasm_json *value) {
  if (!value) return;
  json_free_value(value);
  free(value);
}

const rewasm_json *rewasm_json_get(const rewasm_json *object, const char *key) {
  if (!object || object->type != REWASM_JSON_OBJECT) return NULL;
  rewasm_str k = rewasm_str_c(key);
  for (size_t i = 0; i < object->len; i++)
    if (rewasm_str_eq(object->members[i].key, k)) return &object->members[i].value;
  return NULL;
}

const char *rewasm_json_type_name(rewasm_json_type type) {
  switch (type) {
    case REWASM_JSON_NULL: return "null";
    case REWASM_JSON_BOOL: return "a boolean";
    case REWASM_JSON_NUMBER: return "a number";
    case REWASM_JSON_STRING: return "a string";
    case REWASM_JSON_ARRAY: return "an array";
    case REWASM_JSON_OBJECT: return "an object";
  }
  return "an unknown value";
}

/* ---- Config ----------------------------------------------------------- */

rewasm_json *rewasm_config_parse(rewasm_str text, const char *const *known_keys, rewasm_error *err) {
  text = rewasm_str_trim(text);
  if (text.len == 0) text = REWASM_STR("{}");
  if (text.ptr[0] != '{') {
    rewasm_fail(err, REWASM_INVALID_INPUT, "config: config must be a JSON object");
    return NULL;
  }
  rewasm_json *config = rewasm_json_parse(text, "config", err);
  if (!config) return NULL;
  for (size_t i = 0; i < config->len; i++) {
    rewasm_str key = config->members[i].key;
    bool known = false;
    for (const char *const *k = known_keys; k && *k && !known; k++) known = rewasm_str_eq(key, rewasm_str_c(*k));
    if (!known) {
      rewasm_buf expected = {0};
      for (const char *const *k = known_keys; k && *k; k++)
        rewasm_buf_appendf(&expected, "%s`%s`", k == known_keys ? "" : ", ", *k);
      rewasm_fail(err, REWASM_INVALID_INPUT, "config: unknown key `" REWASM_STR_FMT "`, expected %s%s",
                  REWASM_STR_ARG(key), expected.len ? "one of " : "no keys",
                  expected.ptr ? expected.ptr : "");
      rewasm_buf_free(&expected);
      rewasm_json_free(config);
      return NULL;
    }
    for (size_t j = 0; j < i; j++) {
      if (rewasm_str_eq(config->members[j].key, key)) {
        rewasm_fail(err, REWASM_INVALID_INPUT, "config: duplicate key `" REWASM_STR_FMT "`", REWASM_STR_ARG(key));
        rewasm_json_free(config);
        return NULL;
      }
    }
  }
  return config;
}

/* The value of `key` when it has type `type`: *out is set and REWASM_OK
 * returned; absent: *out is NULL and REWASM_OK; another type: an error. */
static rewasm_status config_typed(const rewasm_json *config, const char *key, rewasm_json_type type,
                                  const rewasm_json **out, rewasm_error *err) {
  const rewasm_json *v = rewasm_json_get(config, key);
  *out = NULL;
  if (!v) return REWASM_OK;
  if (v->type != type)
    return rewasm_fail(err, REWASM_INVALID_INPUT, "config: `%s` must be %s, not %s", key,
                       rewasm_json_type_name(type), rewasm_json_type_name(v->type));
  *out = v;
  return REWASM_OK;
}

rewasm_status rewasm_config_bool(const rewasm_json *config, const char *key, bool *out, rewasm_error *err) {
  const rewasm_json *v;
  rewasm_status st = config_typed(config, key, REWASM_JSON_BOOL, &v, err);
  if (v) *out = v->boolean;
  return st;
}

rewasm_status rewasm_config_number(const rewasm_json *config, const char *key, double *out, rewasm_error *err) {
  const rewasm_json *v;
  rewasm_status st = config_typed(config, key, REWASM_JSON_NUMBER, &v, err);
  if (v) *out = v->number;
  return st;
}

rewasm_status rewasm_config_string(const rewasm_json *config, const char *key, rewasm_str *out, rewasm_error *err) {
  const rewasm_json *v;
  rewasm_status st = config_typed(config, key, REWASM_JSON_STRING, &v, err);
  if (v) *out = v->string;
  return st;
}

rewasm_status rewasm_config_array(const rewasm_json *config, const char *key, const rewasm_json **out,
                                  rewasm_error *err) {
  const rewasm_json *v;
  rewasm_status st = config_typed(config, key, REWASM_JSON_ARRAY, &v, err);
  if (v) *out = v;
  return st;
}

rewasm_status rewasm_config_object(const rewasm_json *config, const char *key, const rewasm_json **out,
                                   rewasm_error *err) {
  const rewasm_json *v;
  rewasm_status st = config_typed(config, key, REWASM_JSON_OBJECT, &v, err);
  if (v) *out = v;
  return st;
}
