//! Same link setup as rewasm-trainer: RUNPATH to libtorch, libtorch_cuda kept.
include!("../trainer/build.rs");
