//! Host bindings for `rewasm:reward@0.1.0`, generated from `wit/reward@0.1.0`.

wasmtime::component::bindgen!({
    path: "../../wit/reward@0.1.0",
    world: "reward-plugin",
    imports: { default: trappable },
});

pub(crate) use rewasm::reward::types as wit;
