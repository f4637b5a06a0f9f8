//! Host bindings for `rewasm:reward@0.1.0`, generated from `wit/reward@0.1.0`.

wasmtime::component::bindgen!({
    path: "../../wit/reward@0.1.0",
    world: "reward-plugin",
    imports: { default: trappable },
    // Samples are lent to the lowering code instead of cloned per call.
    ownership: Borrowing { duplicate_if_necessary: true },
});

pub(crate) use rewasm::reward::types as wit;
