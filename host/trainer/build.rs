// Makes binaries that link libtorch find it and its CUDA part at run time.
//
// torch-sys tells dependents where libtorch's libraries are
// (`DEP_TCH_LIBTORCH_LIB`). Two things are added to this crate's own
// targets (tests, examples; the `rewasm` binary does the same in its build
// script):
// - a RUNPATH to that directory, so no LD_LIBRARY_PATH is needed; being a
//   RUNPATH (not an RPATH), LD_LIBRARY_PATH still overrides it, so the same
//   binary can run against another installation of the same version;
// - `libtorch_cuda.so` outside the linker's as-needed rule when the CUDA
//   libraries it needs are installed beside it: nothing refers to its
//   symbols directly, so it would be dropped and CUDA would look absent even
//   on a GPU machine. A CPU-only install (scripts/setup.sh on a machine
//   without a GPU) has `libtorch_cuda.so` but not cuBLAS/cuDNN; there the
//   library is left to the as-needed rule, and `rewasm_trainer::cuda_available`
//   loads it at run time if the binary is later run where CUDA exists.

fn main() {
    println!("cargo:rerun-if-env-changed=DEP_TCH_LIBTORCH_LIB");
    let Ok(lib) = std::env::var("DEP_TCH_LIBTORCH_LIB") else {
        return;
    };
    println!("cargo:rustc-link-arg=-Wl,--enable-new-dtags,-rpath,{lib}");
    let lib = std::path::Path::new(&lib);
    // cuBLAS sits in the lib folder of a standalone libtorch, or in the
    // `nvidia` packages beside a PyPI wheel's `torch` package.
    let cublas = [
        lib.join("../../nvidia/cu13/lib/libcublas.so.13"),
        lib.join("../../nvidia/cublas/lib"),
    ];
    let has_cuda_libs = cublas.iter().any(|p| p.exists())
        || std::fs::read_dir(lib).is_ok_and(|entries| {
            entries
                .flatten()
                .any(|e| e.file_name().to_string_lossy().starts_with("libcublas"))
        });
    if lib.join("libtorch_cuda.so").exists() && has_cuda_libs {
        println!("cargo:rustc-link-arg=-Wl,--no-as-needed,-ltorch_cuda,--as-needed");
    }
}
