/* {{name}}: a rewasm reward plugin in C.
 *
 * The answer is the text after the last "Answer:" in the completion (the
 * whole completion when there is none), trimmed. It scores 1.0 when it
 * equals the sample's reference (also trimmed), else 0.0. ASCII letters
 * match either case unless the config says {"case_sensitive": true}.
 * The SDK (rewasm.h) is documented in its README.md. */
#include "rewasm.h"

static bool case_sensitive = false;

void rewasm_info(rewasm_plugin_info *info) {
  info->name = "{{name}}";
  info->version = "0.1.0";
  info->description = "1.0 when the final answer equals the reference, else 0.0";
  info->config_schema =
      "{\"type\": \"object\", \"additionalProperties\": false, \"properties\": "
      "{\"case_sensitive\": {\"type\": \"boolean\", \"default\": false}}}";
}

rewasm_status rewasm_configure(rewasm_str text, rewasm_error *err) {
  static const char *const keys[] = {"case_sensitive", NULL};
  rewasm_json *config = rewasm_config_parse(text, keys, err);
  if (!config) return err->kind;
  bool cs = false;
  rewasm_status st = rewasm_config_bool(config, "case_sensitive", &cs, err);
  rewasm_json_free(config);
  if (st == REWASM_OK) case_sensitive = cs;
  return st;
}

rewasm_status rewasm_score_one(const rewasm_sample *sample, rewasm_score *out, rewasm_error *err) {
  rewasm_str reference;
  if (rewasm_reference(sample, &reference, err) != REWASM_OK) return err->kind;

  rewasm_str answer = sample->completion;
  size_t at;
  if (rewasm_str_rfind(answer, REWASM_STR("Answer:"), &at))
    answer = rewasm_str_slice(answer, at + REWASM_STR("Answer:").len, answer.len);
  answer = rewasm_str_trim(answer);
  reference = rewasm_str_trim(reference);

  bool same = case_sensitive ? rewasm_str_eq(answer, reference) : rewasm_str_eq_ascii_nocase(answer, reference);
  out->value = same ? 1.0 : 0.0;
  rewasm_score_part(out, "exact", out->value);
  return REWASM_OK;
}
