/* rewasm C SDK: strings, buffers, errors, scores, and the component
 * exports (JSON and config live in rewasm_json.c). The API is documented in
 * rewasm.h and README.md. */
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
