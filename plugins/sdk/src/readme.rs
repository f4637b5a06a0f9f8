//! A check for plugin tests: the README's config table documents exactly
//! the config struct's fields, with their defaults.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

/// `name -> default` from the README table headed
/// `| name | type | default | meaning |`; names and defaults sit in
/// backticks, defaults written as JSON. Panics (this is for tests) when the
/// table is missing, a default is not JSON, or a name repeats.
pub fn readme_config_defaults(readme: &str) -> BTreeMap<String, Value> {
    let mut lines = readme
        .lines()
        .skip_while(|l| l.trim() != "| name | type | default | meaning |");
    assert!(
        lines.next().is_some(),
        "README has no `| name | type | default | meaning |` table"
    );
    lines.next(); // the |---| separator
    let mut rows = BTreeMap::new();
    for line in lines.take_while(|l| l.starts_with('|')) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        assert!(cells.len() >= 5, "malformed table row: {line}");
        let name = cells[1].trim_matches('`').to_string();
        let default = cells[3].trim_matches('`');
        let value: Value = serde_json::from_str(default)
            .unwrap_or_else(|e| panic!("default of {name} ({default}) is not JSON: {e}"));
        assert!(
            rows.insert(name.clone(), value).is_none(),
            "{name} listed twice"
        );
    }
    rows
}

/// Asserts the README's config table lists exactly the fields of `config`
/// (serialized), each with the same default.
pub fn assert_readme_documents<C: Serialize>(readme: &str, config: &C) {
    let documented = readme_config_defaults(readme);
    let actual: BTreeMap<String, Value> = match serde_json::to_value(config) {
        Ok(Value::Object(map)) => map.into_iter().collect(),
        other => panic!("config does not serialize to an object: {other:?}"),
    };
    assert_eq!(
        documented.keys().collect::<Vec<_>>(),
        actual.keys().collect::<Vec<_>>(),
        "README keys differ from the config's fields"
    );
    for (key, value) in &actual {
        assert_eq!(&documented[key], value, "README default of `{key}`");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const README: &str = "# x\n\n| name | type | default | meaning |\n|---|---|---|---|\n| `a` | int | `3` | a |\n| `b` | list | `[\"x\"]` | b |\n\nafter\n";

    #[derive(Serialize)]
    struct Cfg {
        a: u32,
        b: Vec<String>,
    }

    #[test]
    fn reads_the_table() {
        let d = readme_config_defaults(README);
        assert_eq!(d["a"], Value::from(3));
        assert_eq!(d["b"], serde_json::json!(["x"]));
        assert_eq!(d.len(), 2);
    }

    #[test]
    fn matching_config_passes_and_a_changed_default_fails() {
        assert_readme_documents(
            README,
            &Cfg {
                a: 3,
                b: vec!["x".into()],
            },
        );
        let wrong = std::panic::catch_unwind(|| {
            assert_readme_documents(
                README,
                &Cfg {
                    a: 4,
                    b: vec!["x".into()],
                },
            )
        });
        assert!(wrong.is_err());
    }
}
