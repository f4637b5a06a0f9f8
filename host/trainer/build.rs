// Makes binaries that link libtorch find it and its CUDA part at run time.
//
// torch-sys tells dependents where libtorch's libraries are
// (`DEP_TCH_LIBTORCH_LIB`). Two things are added to this crate's own
// targets (tests, examples; the `rewasm` binary does the same in its build
// script):
// - a RUNPATH to that directory, so no LD_LIBRARY_PATH is needed; being a
//   RUNPATH (not an RPATH), LD_LIBRARY_PATH still overrides it, so the same
//   binary can run against another installation of the same version;
// - `libtorch_cuda.so` outside the linker's as-needed rule: nothing refers
//   to its symbols directly, so it would be dropped and CUDA would look
//   absent even on a GPU machine.

fn main() {
    println!("cargo:rerun-if-env-changed=DEP_TCH_LIBTORCH_LIB");
    let Ok(lib) = std::env::var("DEP_TCH_LIBTORCH_LIB") else {
        return;
    };
    println!("cargo:rustc-link-arg=-Wl,--enable-new-dtags,-rpath,{lib}");
    if std::path::Path::new(&lib).join("libtorch_cuda.so").exists() {
        println!("cargo:rustc-link-arg=-Wl,--no-as-needed,-ltorch_cuda,--as-needed");
    }
}
