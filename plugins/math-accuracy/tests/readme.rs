//! The README's configuration table lists exactly the fields of `Config`,
//! each with its default value (written as JSON in the default column).

use math_accuracy::Config;
use serde_json::Value;

fn table_rows() -> Vec<(String, String)> {
    let readme = include_str!("../README.md");
    let section = readme
        .split("\n## Configuration\n")
        .nth(1)
        .expect("README has a Configuration section");
    section
        .lines()
        .take_while(|l| !l.starts_with("## "))
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let unquote = |c: &str| c.trim_matches('`').to_string();
            (unquote(cells[1]), unquote(cells[3]))
        })
        .collect()
}

#[test]
fn readme_config_table_matches_struct_and_defaults() {
    let rows = table_rows();
    let defaults = serde_json::to_value(Config::default()).expect("config serializes");
    let fields = defaults.as_object().expect("config is an object");
    let mut names: Vec<&str> = rows.iter().map(|(n, _)| n.as_str()).collect();
    let mut expected: Vec<&str> = fields.keys().map(String::as_str).collect();
    names.sort_unstable();
    expected.sort_unstable();
    assert_eq!(names, expected, "README table rows vs Config fields");
    for (name, default) in &rows {
        let documented: Value = serde_json::from_str(default)
            .unwrap_or_else(|e| panic!("default of `{name}` is not JSON ({default}): {e}"));
        assert_eq!(&documented, &fields[name], "default of `{name}`");
    }
}

#[test]
fn documented_defaults_configure_the_plugin() {
    let object: serde_json::Map<String, Value> = table_rows()
        .into_iter()
        .map(|(n, d)| (n, serde_json::from_str(&d).expect("JSON default")))
        .collect();
    let parsed: Config =
        serde_json::from_value(Value::Object(object)).expect("documented defaults parse");
    assert_eq!(parsed, Config::default());
}
