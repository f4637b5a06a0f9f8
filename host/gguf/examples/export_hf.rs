//! `cargo run --release -p rewasm-gguf --example export_hf -- MODEL.gguf OUT_DIR [--force]`
//!
//! Writes a Hugging Face model folder from a GGUF file (used by
//! `tests/reference/make_logits_reference.py`).

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let force = args.iter().any(|a| a == "--force");
    let paths: Vec<&String> = args.iter().filter(|a| *a != "--force").collect();
    let [gguf, out] = paths.as_slice() else {
        eprintln!("usage: export_hf MODEL.gguf OUT_DIR [--force]");
        return ExitCode::FAILURE;
    };
    let mut progress = |done: usize, total: usize| {
        if done == total || done.is_multiple_of(50) {
            eprintln!("{done}/{total} tensors");
        }
    };
    match rewasm_gguf::export_hf_folder(
        &PathBuf::from(gguf),
        &PathBuf::from(out),
        force,
        &mut progress,
    ) {
        Ok(s) => {
            println!(
                "{}: {} tensors, {} bytes of safetensors, skipped {:?}",
                s.folder.display(),
                s.tensors,
                s.safetensors_bytes,
                s.skipped
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
