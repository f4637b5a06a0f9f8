//! Plugin projects in any guest language: `rewasm new` scaffolds one from a
//! template, `rewasm build` installs the language's toolchain (through the
//! project's scripts, embedded here), builds the component, embeds its test
//! vectors and vets it.

pub mod build;
pub mod embedded;
pub mod new;
pub mod project;
