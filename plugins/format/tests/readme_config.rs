//! The README's config table must list exactly the config struct's fields,
//! with the same defaults.

use std::collections::BTreeMap;

use serde_json::Value;

/// `name -> default` from the `| name | type | default | meaning |` table;
/// names and defaults are in backticks, defaults as JSON.
fn readme_defaults(readme: &str) -> BTreeMap<String, Value> {
    let mut lines = readme
        .lines()
        .skip_while(|l| l.trim() != "| name | type | default | meaning |");
    assert!(lines.next().is_some(), "README has no config table");
    lines.next(); // the |---| separator
    let mut rows = BTreeMap::new();
    for line in lines.take_while(|l| l.starts_with('|')) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
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

#[test]
fn readme_table_matches_config_defaults() {
    let readme = include_str!("../README.md");
    let documented = readme_defaults(readme);
    let actual: BTreeMap<String, Value> =
        match serde_json::to_value(format::Config::default()).expect("config serializes") {
            Value::Object(map) => map.into_iter().collect(),
            other => panic!("config is not an object: {other}"),
        };
    assert_eq!(
        documented.keys().collect::<Vec<_>>(),
        actual.keys().collect::<Vec<_>>(),
        "README keys differ from Config fields"
    );
    for (key, value) in &actual {
        assert_eq!(&documented[key], value, "README default of {key}");
    }
}

#[test]
fn readme_defaults_round_trip_through_configure() {
    let documented = readme_defaults(include_str!("../README.md"));
    let json = serde_json::to_string(&documented).expect("serializes");
    let parsed = format::Config::from_json(&json).expect("README defaults are a valid config");
    assert_eq!(parsed, format::Config::default());
}
