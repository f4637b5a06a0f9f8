/* rewasm C SDK: helpers, JSON, config, and the component exports.
 * The API is documented in rewasm.h and README.md. */
#include "rewasm.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* ---- Strings ---------------------------------------------------------- */

rewasm_str rewasm_str_c(const char *s) {
  return s ? (rewasm_str){s, strlen(s)} : (rewasm_str){"", 0};
}

rewasm_str rewasm_str_slice(rewasm_str s, size_t start, size_t end) {
  if (end > s.len) end = s.len;
  if (start > end) start = end;
  return (rewasm_str){s.ptr + start, end - start};
}

static bool is_ascii_space(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

rewasm_str rewasm_str_trim(rewasm_str s) {
  size_t a = 0, b = s.len;
  while (a < b && is_ascii_space((unsigned char)s.ptr[a])) a++;
  while (b > a && is_ascii_space((unsigned char)s.ptr[b - 1])) b--;
  return rewasm_str_slice(s, a, b);
}

bool rewasm_str_eq(rewasm_str a, rewasm_str b) {
  return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static unsigned char ascii_lower(unsigned char c) {
  return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + ('a' - 'A')) : c;
}

bool rewasm_str_eq_ascii_nocase(rewasm_str a, rewasm_str b) {
  if (a.len != b.len) return false;
  for (size_t i = 0; i < a.len; i++)
    if (ascii_lower((unsigned char)a.ptr[i]) != ascii_lower((unsigned char)b.ptr[i])) return false;
  return true;
}

bool rewasm_str_find(rewasm_str s, rewasm_str needle, size_t *at) {
  if (needle.len > s.len) return false;
  for (size_t i = 0; i + needle.len <= s.len; i++) {
    if (needle.len == 0 || memcmp(s.ptr + i, needle.ptr, needle.len) == 0) {
      if (at) *at = i;
      return true;
    }
  }
  return false;
}

bool rewasm_str_rfind(rewasm_str s, rewasm_str needle, size_t *at) {
  if (needle.len > s.len) return false;
  for (size_t i = s.len - needle.len + 1; i-- > 0;) {
    if (needle.len == 0 || memcmp(s.ptr + i, needle.ptr, needle.len) == 0) {
      if (at) *at = i;
      return true;
    }
  }
  return false;
}

/* ---- Buffers ---------------------------------------------------------- */

/* Makes room for `extra` more bytes plus the trailing NUL. */
static bool buf_reserve(rewasm_buf *b, size_t extra) {
  if (b->oom) return false;
  if (extra > SIZE_MAX - b->len - 1) {
    b->oom = true;
    return false;
  }
  size_t need = b->len + extra + 1;
  if (need <= b->cap) return true;
  size_t cap = b->cap ? b->cap : 16;
  while (cap < need) cap = cap > SIZE_MAX / 2 ? need : cap * 2;
  char *p = realloc(b->ptr, cap);
  if (!p) {
    b->oom = true;
    return false;
  }
  b->ptr = p;
  b->cap = cap;
  return true;
}

bool rewasm_buf_append(rewasm_buf *b, const void *bytes, size_t len) {
  if (!buf_reserve(b, len)) return false;
  if (len) memcpy(b->ptr + b->len, bytes, len);
  b->len += len;
  b->ptr[b->len] = '\0';
  return true;
}

bool rewasm_buf_append_str(rewasm_buf *b, rewasm_str s) { return rewasm_buf_append(b, s.ptr, s.len); }

bool rewasm_buf_append_c(rewasm_buf *b, const char *s) { return rewasm_buf_append_str(b, rewasm_str_c(s)); }

bool rewasm_buf_vappendf(rewasm_buf *b, const char *fmt, va_list ap) {
  va_list copy;
  va_copy(copy, ap);
  char small[256];
  int n = vsnprintf(small, sizeof small, fmt, copy);
  va_end(copy);
  if (n < 0) {
    b->oom = true;
    return false;
  }
  if ((size_t)n < sizeof small) return rewasm_buf_append(b, small, (size_t)n);
  if (!buf_reserve(b, (size_t)n)) return false;
  vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
  b->len += (size_t)n;
  return true;
}

bool rewasm_buf_appendf(rewasm_buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  bool ok = rewasm_buf_vappendf(b, fmt, ap);
  va_end(ap);
  return ok;
}

rewasm_str rewasm_buf_str(const rewasm_buf *b) {
  return b->ptr ? (rewasm_str){b->ptr, b->len} : (rewasm_str){"", 0};
}

void rewasm_buf_clear(rewasm_buf *b) {
  b->len = 0;
  if (b->ptr) b->ptr[0] = '\0';
}

void rewasm_buf_free(rewasm_buf *b) {
  free(b->ptr);
  *b = (rewasm_buf){0};
}

/* ---- Errors ----------------------------------------------------------- */

rewasm_status rewasm_fail(rewasm_error *err, rewasm_status kind, const char *fmt, ...) {
  /* Formatted into a new buffer first: the arguments may point into the
   * old message. */
  rewasm_buf message = {0};
  va_list ap;
  va_start(ap, fmt);
  rewasm_buf_vappendf(&message, fmt, ap);
  va_end(ap);
  rewasm_buf_free(&err->message);
  err->message = message;
  err->kind = kind;
  return kind;
}

/* ---- Samples and scores ----------------------------------------------- */

rewasm_status rewasm_reference(const rewasm_sample *sample, rewasm_str *out, rewasm_error *err) {
  if (!sample->has_reference) return rewasm_fail(err, REWASM_INVALID_INPUT, "the sample has no reference");
  *out = sample->reference;
  return REWASM_OK;
}

bool rewasm_score_part(rewasm_score *s, const char *name, double value) {
  if (s->oom) return false;
  if (s->parts_len == s->parts_cap) {
    size_t cap = s->parts_cap ? s->parts_cap * 2 : 4;
    rewasm_part *p = cap <= SIZE_MAX / sizeof *p ? realloc(s->parts, cap * sizeof *p) : NULL;
    if (!p) {
      s->oom = true;
      return false;
    }
    s->parts = p;
    s->parts_cap = cap;
  }
  size_t len = strlen(name);
  char *copy = malloc(len + 1);
  if (!copy) {
    s->oom = true;
    return false;
  }
  memcpy(copy, name, len + 1);
  s->parts[s->parts_len++] = (rewasm_part){copy, len, value};
  return true;
}

bool rewasm_score_note(rewasm_score *s, rewasm_str note) {
  rewasm_buf_clear(&s->note);
  s->has_note = true;
  if (!rewasm_buf_append_str(&s->note, note)) s->oom = true;
  return !s->oom;
}

bool rewasm_score_notef(rewasm_score *s, const char *fmt, ...) {
  rewasm_buf_clear(&s->note);
  s->has_note = true;
  va_list ap;
  va_start(ap, fmt);
  if (!rewasm_buf_vappendf(&s->note, fmt, ap)) s->oom = true;
  va_end(ap);
  return !s->oom;
}

bool rewasm_score_get_part(const rewasm_score *s, const char *name, double *value) {
  rewasm_str want = rewasm_str_c(name);
  for (size_t i = 0; i < s->parts_len; i++) {
    if (rewasm_str_eq((rewasm_str){s->parts[i].name, s->parts[i].name_len}, want)) {
      if (value) *value = s->parts[i].value;
      return true;
    }
  }
  return false;
}

void rewasm_judge_answers_free(rewasm_judge_answer *answers, size_t n) {
  for (size_t i = 0; i < n; i++) rewasm_buf_free(&answers[i].text);
}


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

/* ---- Default batch ---------------------------------------------------- */

__attribute__((weak)) void rewasm_score_batch(const rewasm_sample *samples, rewasm_outcome *outcomes, size_t n) {
  for (size_t i = 0; i < n; i++)
    outcomes[i].status = rewasm_score_one(&samples[i], &outcomes[i].score, &outcomes[i].error);
}

/* ---- Host imports and component exports -------------------------------- */
/* Only in the wasm build: natively, rewasm.c is a plain library, so a
 * plugin's logic can be unit-tested with the host compiler. */
#ifdef __wasm__

/* The bindings `wit-bindgen c` generates for the world `reward-plugin`
 * (rewasm build writes them to .rewasm/gen/). Imports a plugin never calls
 * are left out of the component. */
#include "reward_plugin.h"

/* Hands a buffer's bytes to the bindings, which free them after the call
 * (but only when the length is not 0, so an empty buffer is freed here). */
static reward_plugin_string_t take_buf(rewasm_buf *b) {
  reward_plugin_string_t s = {(uint8_t *)b->ptr, b->len};
  if (b->len == 0) {
    free(b->ptr);
    s.ptr = NULL;
  }
  *b = (rewasm_buf){0};
  return s;
}

/* A malloc'd copy for the bindings; {NULL, 0} when empty or out of memory. */
static reward_plugin_string_t dup_str(rewasm_str s) {
  rewasm_buf b = {0};
  rewasm_buf_append_str(&b, s);
  if (b.oom) rewasm_buf_free(&b);
  return take_buf(&b);
}

static rewasm_str view(const reward_plugin_string_t *s) {
  return s->len ? (rewasm_str){(const char *)s->ptr, s->len} : (rewasm_str){"", 0};
}

void rewasm_log(rewasm_log_level level, rewasm_str message) {
  reward_plugin_string_t m = {(uint8_t *)message.ptr, message.len};
  rewasm_reward_log_log((rewasm_reward_log_level_t)level, &m);
}

void rewasm_logf(rewasm_log_level level, const char *fmt, ...) {
  rewasm_buf b = {0};
  va_list ap;
  va_start(ap, fmt);
  rewasm_buf_vappendf(&b, fmt, ap);
  va_end(ap);
  rewasm_log(level, rewasm_buf_str(&b));
  rewasm_buf_free(&b);
}

rewasm_status rewasm_judge(const rewasm_judge_request *requests, size_t n, rewasm_judge_answer *answers,
                           rewasm_error *err) {
  for (size_t i = 0; i < n; i++) answers[i] = (rewasm_judge_answer){0};
  rewasm_reward_judge_judge_request_t *wit = n ? calloc(n, sizeof *wit) : NULL;
  if (n && !wit) return rewasm_fail(err, REWASM_INTERNAL, "out of memory");
  for (size_t i = 0; i < n; i++) {
    wit[i].prompt = (reward_plugin_string_t){(uint8_t *)requests[i].prompt.ptr, requests[i].prompt.len};
    wit[i].max_tokens = requests[i].max_tokens;
    wit[i].temperature = requests[i].temperature;
  }
  rewasm_reward_judge_list_judge_request_t list = {wit, n};
  rewasm_reward_judge_list_result_string_string_t got = {0};
  rewasm_reward_judge_judge(&list, &got);
  free(wit);
  rewasm_status st = REWASM_OK;
  if (got.len != n)
    st = rewasm_fail(err, REWASM_INTERNAL, "the judge returned %zu answers for %zu requests", got.len, n);
  for (size_t i = 0; i < n && i < got.len; i++) {
    rewasm_reward_judge_result_string_string_t *r = &got.ptr[i];
    reward_plugin_string_t *text = r->is_err ? &r->val.err : &r->val.ok;
    answers[i].ok = !r->is_err;
    if (!rewasm_buf_append_str(&answers[i].text, view(text))) st = rewasm_fail(err, REWASM_INTERNAL, "out of memory");
  }
  rewasm_reward_judge_list_result_string_string_free(&got);
  if (st != REWASM_OK) rewasm_judge_answers_free(answers, n);
  return st;
}

static reward_plugin_string_t take_error(rewasm_error *e, rewasm_status kind, uint8_t *tag) {
  switch (kind) {
    case REWASM_INVALID_INPUT: *tag = REWASM_REWARD_TYPES_REWARD_ERROR_INVALID_INPUT; break;
    case REWASM_UNSUPPORTED: *tag = REWASM_REWARD_TYPES_REWARD_ERROR_UNSUPPORTED; break;
    default: *tag = REWASM_REWARD_TYPES_REWARD_ERROR_INTERNAL; break;
  }
  if (kind != REWASM_INVALID_INPUT && kind != REWASM_UNSUPPORTED && kind != REWASM_INTERNAL) {
    rewasm_fail(e, REWASM_INTERNAL, "the plugin returned the unknown status %d", (int)kind);
  } else if (e->message.oom) {
    rewasm_buf_free(&e->message);
    rewasm_buf_append_c(&e->message, "out of memory");
  } else if (e->message.len == 0) {
    rewasm_buf_append_c(&e->message, kind == REWASM_INVALID_INPUT ? "invalid input"
                                     : kind == REWASM_UNSUPPORTED ? "unsupported" : "internal error");
  }
  return take_buf(&e->message);
}

static void set_error(exports_rewasm_reward_reward_reward_error_t *out, rewasm_error *e, rewasm_status kind) {
  uint8_t tag;
  reward_plugin_string_t message = take_error(e, kind, &tag);
  out->tag = tag;
  /* The three cases share one layout. */
  out->val.internal = message;
}

static void score_free(rewasm_score *s) {
  for (size_t i = 0; i < s->parts_len; i++) free(s->parts[i].name);
  free(s->parts);
  rewasm_buf_free(&s->note);
  *s = (rewasm_score){0};
}

static bool configured = false;

static rewasm_status configure_with(rewasm_str text, rewasm_error *err) {
  rewasm_status st = rewasm_configure(text, err);
  if (st == REWASM_OK) configured = true;
  return st;
}

void exports_rewasm_reward_reward_info(exports_rewasm_reward_reward_plugin_info_t *ret) {
  rewasm_plugin_info info = {0};
  rewasm_info(&info);
  ret->name = dup_str(rewasm_str_c(info.name));
  ret->version = dup_str(rewasm_str_c(info.version));
  ret->description = dup_str(rewasm_str_c(info.description));
  ret->config_schema = dup_str(rewasm_str_c(info.config_schema ? info.config_schema : "{\"type\": \"object\"}"));
  ret->capabilities = (rewasm_reward_types_list_capability_t){NULL, 0};
  rewasm_reward_types_capability_t *caps = malloc(2);
  if (caps) {
    size_t n = 0;
    if (info.capabilities & REWASM_CAP_LOG) caps[n++] = REWASM_REWARD_TYPES_CAPABILITY_LOG;
    if (info.capabilities & REWASM_CAP_JUDGE) caps[n++] = REWASM_REWARD_TYPES_CAPABILITY_JUDGE;
    if (n) {
      ret->capabilities = (rewasm_reward_types_list_capability_t){caps, n};
    } else {
      free(caps);
    }
  }
  ret->needs_images = info.needs_images;
}

bool exports_rewasm_reward_reward_configure(reward_plugin_string_t *config,
                                            exports_rewasm_reward_reward_reward_error_t *err) {
  rewasm_error e = {0};
  rewasm_status st = configure_with(view(config), &e);
  reward_plugin_string_free(config);
  if (st == REWASM_OK) {
    rewasm_buf_free(&e.message);
    return true;
  }
  set_error(err, &e, st);
  return false;
}

/* A score for the bindings, or an error when it cannot be sent. */
static rewasm_status take_score(rewasm_score *s, exports_rewasm_reward_reward_scored_t *out, rewasm_error *e) {
  if (s->oom || s->note.oom) return rewasm_fail(e, REWASM_INTERNAL, "out of memory");
  if (!isfinite(s->value)) return rewasm_fail(e, REWASM_INTERNAL, "the score value is %g, not finite", s->value);
  for (size_t i = 0; i < s->parts_len; i++)
    if (!isfinite(s->parts[i].value))
      return rewasm_fail(e, REWASM_INTERNAL, "part `%s` is %g, not finite", s->parts[i].name, s->parts[i].value);
  rewasm_reward_types_part_t *parts = NULL;
  if (s->parts_len) {
    parts = malloc(s->parts_len * sizeof *parts);
    if (!parts) return rewasm_fail(e, REWASM_INTERNAL, "out of memory");
    for (size_t i = 0; i < s->parts_len; i++) {
      rewasm_buf name = {s->parts[i].name, s->parts[i].name_len, s->parts[i].name_len + 1, false};
      parts[i] = (rewasm_reward_types_part_t){take_buf(&name), s->parts[i].value};
    }
  }
  free(s->parts);
  out->value = s->value;
  out->parts = (rewasm_reward_types_list_part_t){parts, s->parts_len};
  out->note.is_some = s->has_note;
  if (!s->has_note) rewasm_buf_free(&s->note);
  out->note.val = take_buf(&s->note);
  *s = (rewasm_score){0};
  return REWASM_OK;
}

void exports_rewasm_reward_reward_score(exports_rewasm_reward_reward_list_sample_t *samples,
                                        exports_rewasm_reward_reward_list_result_scored_reward_error_t *ret) {
  size_t n = samples->len;
  exports_rewasm_reward_reward_result_scored_reward_error_t *results = n ? calloc(n, sizeof *results) : NULL;
  rewasm_sample *plain = n ? calloc(n, sizeof *plain) : NULL;
  rewasm_outcome *outcomes = n ? calloc(n, sizeof *outcomes) : NULL;
  if (n && (!results || !plain || !outcomes)) abort(); /* the host needs one result per sample */

  rewasm_error setup = {0};
  rewasm_status setup_st = configured ? REWASM_OK : configure_with(REWASM_STR("{}"), &setup);
  if (setup_st == REWASM_OK) {
    rewasm_image *images = NULL;
    size_t n_images = 0;
    for (size_t i = 0; i < n; i++) n_images += samples->ptr[i].images.len;
    if (n_images && !(images = calloc(n_images, sizeof *images))) abort();
    rewasm_image *next = images;
    for (size_t i = 0; i < n; i++) {
      const exports_rewasm_reward_reward_sample_t *w = &samples->ptr[i];
      rewasm_sample *p = &plain[i];
      p->id = view(&w->id);
      p->has_group = w->group.is_some;
      p->group = view(&w->group.val);
      p->prompt = view(&w->prompt);
      p->completion = view(&w->completion);
      p->completion_tokens = w->completion_tokens;
      p->has_reference = w->reference.is_some;
      p->reference = view(&w->reference.val);
      p->metadata = view(&w->metadata);
      p->images = next;
      p->images_len = w->images.len;
      for (size_t j = 0; j < w->images.len; j++, next++) {
        next->mime = view(&w->images.ptr[j].mime);
        next->data = w->images.ptr[j].data.ptr;
        next->data_len = w->images.ptr[j].data.len;
      }
      p->step = w->step;
    }
    rewasm_score_batch(plain, outcomes, n);
    free(images);
  }

  for (size_t i = 0; i < n; i++) {
    rewasm_outcome *o = &outcomes[i];
    rewasm_status st = setup_st;
    if (st != REWASM_OK) {
      /* Every sample gets the config's error. */
      o->error.kind = setup.kind;
      rewasm_buf_append_str(&o->error.message, rewasm_buf_str(&setup.message));
    } else if ((st = o->status) == REWASM_OK) {
      st = take_score(&o->score, &results[i].val.ok, &o->error);
    }
    if (st != REWASM_OK) {
      results[i].is_err = true;
      set_error(&results[i].val.err, &o->error, st);
    }
    score_free(&o->score);
    rewasm_buf_free(&o->error.message);
  }
  rewasm_buf_free(&setup.message);
  free(outcomes);
  free(plain);
  exports_rewasm_reward_reward_list_sample_free(samples);
  *ret = (exports_rewasm_reward_reward_list_result_scored_reward_error_t){results, n};
}

#endif /* __wasm__ */
