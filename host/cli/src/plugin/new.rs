//! `rewasm new NAME --lang L`: a working, documented plugin project with its
//! own test vectors.

use std::fs;
use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::Args;

use super::embedded;
use super::project::{check_name, write_generated, write_if_changed, Lang};

#[derive(Args)]
pub struct NewArgs {
    /// The plugin's name: lowercase letters, digits and `-`.
    name: String,
    /// The guest language.
    #[arg(long, value_enum)]
    lang: Lang,
    /// Where to create the project (default: ./NAME).
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

pub fn run(args: NewArgs) -> anyhow::Result<()> {
    check_name(&args.name)?;
    let dir = args.dir.unwrap_or_else(|| PathBuf::from(&args.name));
    if fs::read_dir(&dir).is_ok_and(|mut entries| entries.next().is_some()) {
        bail!("{} already exists and is not empty", dir.display());
    }
    if dir.is_file() {
        bail!("{} is a file", dir.display());
    }
    let files = embedded::template(args.lang);
    for (rel, text) in files {
        write_if_changed(&dir.join(rel), &text.replace("{{name}}", &args.name))?;
    }
    write_generated(&dir, args.lang).context("cannot write the SDK into the project")?;
    let listed: Vec<&str> = files
        .iter()
        .map(|(rel, _)| *rel)
        .filter(|rel| !rel.starts_with('.'))
        .collect();
    println!(
        "created {} ({} reward plugin): {}",
        dir.display(),
        args.lang,
        listed.join(", ")
    );
    println!(
        "build, vet and test it with: rewasm build {}",
        dir.display()
    );
    Ok(())
}
