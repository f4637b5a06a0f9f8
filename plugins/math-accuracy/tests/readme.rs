//! The README's configuration table lists exactly the fields of `Config`,
//! each with its default value (written as JSON in the default column).

use math_accuracy::Config;

#[test]
fn readme_config_table_matches_struct_and_defaults() {
    rewasm_plugin_sdk::assert_readme_documents(include_str!("../README.md"), &Config::default());
}

#[test]
fn documented_defaults_configure_the_plugin() {
    let documented = rewasm_plugin_sdk::readme_config_defaults(include_str!("../README.md"));
    let json = serde_json::to_string(&documented).expect("serializes");
    let parsed: Config = rewasm_plugin_sdk::parse_config(&json).expect("documented defaults parse");
    assert_eq!(parsed, Config::default());
}
