//! The WASI context a plugin gets when its reward set grants `wasi`.
//!
//! Guests built by componentize-py or componentize-js import WASI 0.2 even
//! when they never touch a file. Granting `wasi` links those imports to a
//! context that grants nothing: no preopened directories, no environment, no
//! arguments, no sockets, stdin closed and stdout/stderr discarded, a clock
//! frozen at 2026-01-01 and random numbers from a fixed seed, so the same
//! input still gives the same output.

use std::convert::Infallible;
use std::time::Duration;

use wasmtime::component::ResourceTable;
use wasmtime_wasi::{HostMonotonicClock, HostWallClock, WasiCtx, WasiCtxBuilder};

/// Seconds from the Unix epoch to 2026-01-01T00:00:00Z.
const FROZEN_WALL_SECS: u64 = 1_767_225_600;

/// A plugin's WASI state for one call.
pub(crate) struct WasiState {
    pub(crate) ctx: WasiCtx,
    pub(crate) table: ResourceTable,
}

impl WasiState {
    pub(crate) fn locked_down() -> Self {
        let ctx = WasiCtxBuilder::new()
            .secure_random(SplitMix64(0x7265_7761_736d_0001))
            .insecure_random(SplitMix64(0x7265_7761_736d_0002))
            .insecure_random_seed(0x7265_7761_736d)
            .wall_clock(FrozenWall)
            .monotonic_clock(FrozenMonotonic)
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .build();
        WasiState {
            ctx,
            table: ResourceTable::new(),
        }
    }
}

/// A deterministic generator: SplitMix64 (Steele, Lea and Flood, 2014).
struct SplitMix64(u64);

impl rand_core::TryRng for SplitMix64 {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok((self.try_next_u64()? >> 32) as u32)
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Ok(z ^ (z >> 31))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for chunk in dst.chunks_mut(8) {
            let bytes = self.try_next_u64()?.to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
        Ok(())
    }
}

struct FrozenWall;

impl HostWallClock for FrozenWall {
    fn resolution(&self) -> Duration {
        Duration::from_secs(1)
    }
    fn now(&self) -> Duration {
        Duration::from_secs(FROZEN_WALL_SECS)
    }
}

struct FrozenMonotonic;

impl HostMonotonicClock for FrozenMonotonic {
    fn resolution(&self) -> u64 {
        1_000_000_000
    }
    fn now(&self) -> u64 {
        0
    }
}
