//! `rewasm inspect`: what a reward component is and wants.

use std::path::Path;

use rewasm_runtime::{Capability, Grants, ModuleSource, Plugin, PluginOptions, RewardEngine};
use serde_json::json;

pub fn run(plugin: &str, as_json: bool) -> anyhow::Result<()> {
    let source = ModuleSource::resolve(plugin, Path::new("."))?;
    let bytes = source.bytes()?;
    let engine = RewardEngine::new()?;
    // WASI is linked (to a context that grants nothing) so guests that need
    // it at start-up, like componentize-py ones, can still describe themselves.
    let opts = PluginOptions {
        grants: Grants::new([Capability::Wasi]),
        ..PluginOptions::default()
    };
    let p = Plugin::load_with(&engine, &source.origin(), &source.origin(), &bytes, opts)?;
    let info = p.info();
    let wit = p
        .exports()
        .iter()
        .find_map(|e| e.strip_prefix("rewasm:reward/reward@"))
        .unwrap_or("?")
        .to_string();
    let mut caps: Vec<&str> = info.capabilities.iter().map(|c| c.as_str()).collect();
    if p.imports().iter().any(|i| i.starts_with("wasi:")) {
        caps.push("wasi");
    }
    if as_json {
        let schema: serde_json::Value = serde_json::from_str(&info.config_schema)
            .unwrap_or(serde_json::Value::String(info.config_schema.clone()));
        let v = json!({
            "source": source.origin(),
            "sha256": p.digest(),
            "size": bytes.len(),
            "name": info.name,
            "version": info.version,
            "description": info.description,
            "wit_version": wit,
            "config_schema": schema,
            "capabilities": caps,
            "needs_images": info.needs_images,
            "imports": p.imports(),
            "exports": p.exports(),
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    println!("source:        {}", source.origin());
    println!("sha256:        {}", p.digest());
    println!("size:          {} bytes", bytes.len());
    println!("name:          {}", info.name);
    println!("version:       {}", info.version);
    println!("description:   {}", info.description);
    println!("wit version:   rewasm:reward@{wit}");
    println!(
        "capabilities:  {}",
        if caps.is_empty() {
            "none".to_string()
        } else {
            caps.join(", ")
        }
    );
    println!("needs images:  {}", info.needs_images);
    println!(
        "imports:       {}",
        if p.imports().is_empty() {
            "none".to_string()
        } else {
            p.imports().join(", ")
        }
    );
    println!("exports:       {}", p.exports().join(", "));
    let pretty = serde_json::from_str::<serde_json::Value>(&info.config_schema)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| info.config_schema.clone());
    println!("config schema:\n{pretty}");
    Ok(())
}
