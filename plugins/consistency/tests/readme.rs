//! The README documents exactly the config struct's fields with their
//! defaults, and quotes the judge prompt's preamble verbatim.

const README: &str = include_str!("../README.md");

#[test]
fn readme_table_matches_config_defaults() {
    rewasm_plugin_sdk::assert_readme_documents(README, &consistency::Config::default());
}

#[test]
fn readme_defaults_round_trip_through_configure() {
    let documented = rewasm_plugin_sdk::readme_config_defaults(README);
    let json = serde_json::to_string(&documented).expect("serializes");
    let parsed = consistency::Config::from_json(&json).expect("README defaults are a valid config");
    assert_eq!(parsed, consistency::Config::default());
}

#[test]
fn readme_quotes_the_prompt_preamble() {
    let open = "<!-- prompt-preamble -->\n```\n";
    let start = README.find(open).expect("preamble marker") + open.len();
    let end = README
        .find("```\n<!-- /prompt-preamble -->")
        .expect("end marker");
    assert_eq!(&README[start..end], consistency::prompt::PREAMBLE);
}
