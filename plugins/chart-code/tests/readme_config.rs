//! The README's config table must list exactly the config struct's fields,
//! with the same defaults.

#[test]
fn readme_table_matches_config_defaults() {
    rewasm_plugin_sdk::assert_readme_documents(
        include_str!("../README.md"),
        &chart_code::Config::default(),
    );
}

#[test]
fn readme_defaults_round_trip_through_configure() {
    let documented = rewasm_plugin_sdk::readme_config_defaults(include_str!("../README.md"));
    let json = serde_json::to_string(&documented).expect("serializes");
    let parsed = chart_code::Config::from_json(&json).expect("README defaults are a valid config");
    assert_eq!(parsed, chart_code::Config::default());
}
