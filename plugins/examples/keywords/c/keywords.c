/* keywords: keyword coverage with synonyms, in C. The specification is
 * ../README.md; every language's build must give identical results. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rewasm.h"

/* A term: the text as written (for notes) and its words, case-folded
 * unless the config is case-sensitive. */
typedef struct {
  char *text;
  size_t text_len;
  char *folded;
  rewasm_str *words;
  size_t n_words;
} term;

/* One required concept: terms that are synonyms. */
typedef struct {
  term *terms;
  size_t n_terms;
} group;

typedef struct {
  group *groups;
  size_t n_groups;
} group_list;

typedef struct {
  group_list keywords; /* n_groups == 0: none given */
  term *forbidden;
  size_t n_forbidden;
  double forbidden_penalty;
  bool case_sensitive;
} keywords_config;

/* Replaced by each successful configure (the SDK configures before scoring). */
static keywords_config config = {.forbidden_penalty = 0.5};

/* ---- Words ------------------------------------------------------------ */

/* ASCII letters and digits, and every byte of a non-ASCII character. */
static bool is_word_byte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

/* Splits `s` into words; `out` (may be NULL) receives up to the returned count. */
static size_t split_words(rewasm_str s, rewasm_str *out) {
  size_t n = 0, i = 0;
  while (i < s.len) {
    while (i < s.len && !is_word_byte((unsigned char)s.ptr[i])) i++;
    size_t start = i;
    while (i < s.len && is_word_byte((unsigned char)s.ptr[i])) i++;
    if (i > start) {
      if (out) out[n] = (rewasm_str){s.ptr + start, i - start};
      n++;
    }
  }
  return n;
}

/* A copy of `s` with A-Z lowered unless case-sensitive; NULL when out of memory. */
static char *fold(rewasm_str s, bool case_sensitive) {
  char *copy = malloc(s.len + 1);
  if (!copy) return NULL;
  for (size_t i = 0; i < s.len; i++) {
    char c = s.ptr[i];
    copy[i] = (!case_sensitive && c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
  }
  copy[s.len] = '\0';
  return copy;
}

/* The words of `s`, folded; false when out of memory. */
static bool words_of(rewasm_str s, bool case_sensitive, char **folded, rewasm_str **words, size_t *n) {
  *folded = fold(s, case_sensitive);
  *words = NULL;
  if (!*folded) return false;
  rewasm_str f = {*folded, s.len};
  *n = split_words(f, NULL);
  if (*n == 0) return true;
  *words = malloc(*n * sizeof **words);
  if (!*words) return false;
  split_words(f, *words);
  return true;
}

/* ---- Terms and groups --------------------------------------------------- */

static void term_free(term *t) {
  free(t->text);
  free(t->folded);
  free(t->words);
}

static void groups_free(group_list *l) {
  for (size_t i = 0; i < l->n_groups; i++) {
    for (size_t j = 0; j < l->groups[i].n_terms; j++) term_free(&l->groups[i].terms[j]);
    free(l->groups[i].terms);
  }
  free(l->groups);
  *l = (group_list){0};
}

static void config_free(keywords_config *c) {
  groups_free(&c->keywords);
  for (size_t i = 0; i < c->n_forbidden; i++) term_free(&c->forbidden[i]);
  free(c->forbidden);
  c->forbidden = NULL;
  c->n_forbidden = 0;
}

/* Reads a term from a JSON value; `where` names it in errors. */
static rewasm_status term_parse(const rewasm_json *v, bool case_sensitive, const char *where, term *out,
                                rewasm_error *err) {
  *out = (term){0};
  if (v->type != REWASM_JSON_STRING)
    return rewasm_fail(err, REWASM_INVALID_INPUT, "%s: a term must be a string, not %s", where,
                       rewasm_json_type_name(v->type));
  out->text = malloc(v->string.len + 1);
  if (!out->text || !words_of(v->string, case_sensitive, &out->folded, &out->words, &out->n_words)) {
    term_free(out);
    return rewasm_fail(err, REWASM_INTERNAL, "out of memory");
  }
  memcpy(out->text, v->string.ptr, v->string.len + 1);
  out->text_len = v->string.len;
  if (out->n_words == 0) {
    rewasm_fail(err, REWASM_INVALID_INPUT, "%s: the term \"" REWASM_STR_FMT "\" has no word", where,
                REWASM_STR_ARG(v->string));
    term_free(out);
    return REWASM_INVALID_INPUT;
  }
  return REWASM_OK;
}

/* Reads an array of groups (a group is a term or a non-empty array of terms). */
static rewasm_status groups_parse(const rewasm_json *v, bool case_sensitive, const char *where, group_list *out,
                                  rewasm_error *err) {
  *out = (group_list){0};
  if (v->type != REWASM_JSON_ARRAY)
    return rewasm_fail(err, REWASM_INVALID_INPUT, "%s: must be an array of groups, not %s", where,
                       rewasm_json_type_name(v->type));
  if (v->len == 0) return rewasm_fail(err, REWASM_INVALID_INPUT, "%s: must not be empty", where);
  out->groups = calloc(v->len, sizeof *out->groups);
  if (!out->groups) return rewasm_fail(err, REWASM_INTERNAL, "out of memory");
  for (size_t i = 0; i < v->len; i++) {
    const rewasm_json *g = &v->items[i];
    const rewasm_json *terms = g;
    size_t n = 1;
    if (g->type == REWASM_JSON_ARRAY) {
      if (g->len == 0) {
        groups_free(out);
        return rewasm_fail(err, REWASM_INVALID_INPUT, "%s: group %zu is an empty array", where, i + 1);
      }
      terms = g->items;
      n = g->len;
    }
    group *dst = &out->groups[out->n_groups++];
    dst->terms = calloc(n, sizeof *dst->terms);
    if (!dst->terms) {
      groups_free(out);
      return rewasm_fail(err, REWASM_INTERNAL, "out of memory");
    }
    for (size_t j = 0; j < n; j++) {
      rewasm_status st = term_parse(&terms[j], case_sensitive, where, &dst->terms[j], err);
      if (st != REWASM_OK) {
        groups_free(out);
        return st;
      }
      dst->n_terms++;
    }
  }
  return REWASM_OK;
}

/* ---- Plugin ------------------------------------------------------------- */

void rewasm_info(rewasm_plugin_info *info) {
  info->name = "keywords";
  info->version = "0.1.0";
  info->description = "Keyword coverage with synonyms; forbidden terms cost a penalty.";
  info->config_schema =
      "{\"type\": \"object\", \"additionalProperties\": false, \"properties\": {"
      "\"keywords\": {\"type\": \"array\", \"minItems\": 1, \"items\": {\"anyOf\": [{\"type\": \"string\"}, "
      "{\"type\": \"array\", \"minItems\": 1, \"items\": {\"type\": \"string\"}}]}}, "
      "\"forbidden\": {\"type\": \"array\", \"items\": {\"type\": \"string\"}}, "
      "\"forbidden_penalty\": {\"type\": \"number\", \"minimum\": 0, \"default\": 0.5}, "
      "\"case_sensitive\": {\"type\": \"boolean\", \"default\": false}}}";
}

static const char *const CONFIG_KEYS[] = {"keywords", "forbidden", "forbidden_penalty", "case_sensitive", NULL};

rewasm_status rewasm_configure(rewasm_str text, rewasm_error *err) {
  rewasm_json *json = rewasm_config_parse(text, CONFIG_KEYS, err);
  if (!json) return err->kind;
  keywords_config next = {.forbidden_penalty = 0.5};
  const rewasm_json *keywords = NULL, *forbidden = NULL;
  rewasm_status st = REWASM_OK;
  if ((st = rewasm_config_bool(json, "case_sensitive", &next.case_sensitive, err)) ||
      (st = rewasm_config_number(json, "forbidden_penalty", &next.forbidden_penalty, err)) ||
      (st = rewasm_config_array(json, "keywords", &keywords, err)) ||
      (st = rewasm_config_array(json, "forbidden", &forbidden, err)))
    goto done;
  if (!(next.forbidden_penalty >= 0.0) || isinf(next.forbidden_penalty)) {
    st = rewasm_fail(err, REWASM_INVALID_INPUT, "config: `forbidden_penalty` must be a finite number >= 0");
    goto done;
  }
  if (keywords && (st = groups_parse(keywords, next.case_sensitive, "config: `keywords`", &next.keywords, err)))
    goto done;
  if (forbidden && forbidden->len > 0) {
    next.forbidden = calloc(forbidden->len, sizeof *next.forbidden);
    if (!next.forbidden) {
      st = rewasm_fail(err, REWASM_INTERNAL, "out of memory");
      goto done;
    }
    for (size_t i = 0; i < forbidden->len; i++) {
      st = term_parse(&forbidden->items[i], next.case_sensitive, "config: `forbidden`", &next.forbidden[i], err);
      if (st) goto done;
      next.n_forbidden++;
    }
  }
done:
  rewasm_json_free(json);
  if (st != REWASM_OK) {
    config_free(&next);
    return st;
  }
  config_free(&config);
  config = next;
  return REWASM_OK;
}

/* Whether the term's words appear as a contiguous run of `words`. */
static bool occurs(const term *t, const rewasm_str *words, size_t n_words) {
  if (t->n_words > n_words) return false;
  for (size_t i = 0; i + t->n_words <= n_words; i++) {
    size_t k = 0;
    while (k < t->n_words && rewasm_str_eq(words[i + k], t->words[k])) k++;
    if (k == t->n_words) return true;
  }
  return false;
}

static bool group_covered(const group *g, const rewasm_str *words, size_t n_words) {
  for (size_t j = 0; j < g->n_terms; j++)
    if (occurs(&g->terms[j], words, n_words)) return true;
  return false;
}

/* The note: "missing: ..." (at most five terms) and "forbidden: ...". */
static void write_note(rewasm_buf *note, const group_list *groups, const bool *covered, const bool *hit) {
  size_t missing = 0;
  for (size_t i = 0; i < groups->n_groups; i++) {
    if (covered[i]) continue;
    if (missing < 5) {
      const term *t = &groups->groups[i].terms[0];
      rewasm_buf_append_c(note, missing == 0 ? "missing: " : ", ");
      rewasm_buf_append(note, t->text, t->text_len);
    }
    missing++;
  }
  if (missing > 5) rewasm_buf_appendf(note, " and %zu more", missing - 5);
  bool first = true;
  for (size_t i = 0; i < config.n_forbidden; i++) {
    if (!hit[i]) continue;
    rewasm_buf_append_c(note, first ? (note->len ? "; forbidden: " : "forbidden: ") : ", ");
    rewasm_buf_append(note, config.forbidden[i].text, config.forbidden[i].text_len);
    first = false;
  }
}

rewasm_status rewasm_score_one(const rewasm_sample *sample, rewasm_score *out, rewasm_error *err) {
  group_list from_reference = {0};
  const group_list *groups = &config.keywords;
  if (sample->has_reference) {
    rewasm_json *ref = rewasm_json_parse(sample->reference, "reference", err);
    if (!ref) return err->kind;
    rewasm_status st = groups_parse(ref, config.case_sensitive, "reference", &from_reference, err);
    rewasm_json_free(ref);
    if (st) return st;
    groups = &from_reference;
  } else if (groups->n_groups == 0) {
    return rewasm_fail(err, REWASM_INVALID_INPUT,
                       "no keywords: the sample has no reference and the config no `keywords`");
  }

  rewasm_status st = REWASM_OK;
  char *folded = NULL;
  rewasm_str *words = NULL;
  size_t n_words = 0;
  bool *covered = calloc(groups->n_groups, sizeof *covered);
  bool *hit = calloc(config.n_forbidden + 1, sizeof *hit);
  rewasm_buf note = {0};
  if (!covered || !hit || !words_of(sample->completion, config.case_sensitive, &folded, &words, &n_words)) {
    st = rewasm_fail(err, REWASM_INTERNAL, "out of memory");
    goto done;
  }

  size_t n_covered = 0, hits = 0;
  for (size_t i = 0; i < groups->n_groups; i++) {
    covered[i] = group_covered(&groups->groups[i], words, n_words);
    n_covered += covered[i];
  }
  for (size_t i = 0; i < config.n_forbidden; i++) {
    hit[i] = occurs(&config.forbidden[i], words, n_words);
    hits += hit[i];
  }
  double coverage = (double)n_covered / (double)groups->n_groups;
  double value = coverage - config.forbidden_penalty * (double)hits;
  out->value = value < -1.0 ? -1.0 : value;
  rewasm_score_part(out, "coverage", coverage);
  rewasm_score_part(out, "covered", (double)n_covered);
  rewasm_score_part(out, "forbidden", (double)hits);
  write_note(&note, groups, covered, hit);
  if (note.oom) {
    st = rewasm_fail(err, REWASM_INTERNAL, "out of memory");
  } else if (note.len > 0) {
    rewasm_score_note(out, rewasm_buf_str(&note));
  }
done:
  rewasm_buf_free(&note);
  free(covered);
  free(hit);
  free(folded);
  free(words);
  groups_free(&from_reference);
  return st;
}
