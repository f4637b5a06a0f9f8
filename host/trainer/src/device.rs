use std::fmt;
use std::str::FromStr;

/// Where a model runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Device {
    /// f32 on the CPU.
    Cpu,
    /// bf16 on a CUDA GPU (by index).
    Cuda(usize),
}

/// A device that cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DeviceError {
    /// The name is not `cpu`, `cuda` or `cuda:N`.
    #[error("unknown device `{0}` (use cpu, cuda or cuda:N)")]
    Unknown(String),
    /// CUDA was asked for but libtorch sees no GPU.
    #[error("device `{0}` asked for, but CUDA is not available (no GPU, or a CPU-only libtorch)")]
    NoCuda(String),
    /// The GPU index is past the number of GPUs.
    #[error("device `cuda:{index}` asked for, but only {count} GPU(s) are visible")]
    NoSuchGpu {
        /// The index asked for.
        index: usize,
        /// GPUs visible.
        count: usize,
    },
}

impl FromStr for Device {
    type Err = DeviceError;
    fn from_str(s: &str) -> Result<Self, DeviceError> {
        match s {
            "cpu" => Ok(Device::Cpu),
            "cuda" => Ok(Device::Cuda(0)),
            other => other
                .strip_prefix("cuda:")
                .and_then(|n| n.parse().ok())
                .map(Device::Cuda)
                .ok_or_else(|| DeviceError::Unknown(other.to_string())),
        }
    }
}

impl fmt::Display for Device {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Device::Cpu => f.write_str("cpu"),
            Device::Cuda(i) => write!(f, "cuda:{i}"),
        }
    }
}

/// Whether libtorch can use a CUDA GPU in this process.
///
/// A binary built against a CPU-only install does not link
/// `libtorch_cuda.so` (see build.rs); the first call then loads it from the
/// library path (LD_LIBRARY_PATH or the binary's RUNPATH), which registers
/// libtorch's CUDA backend when the library and its CUDA dependencies are
/// there. Where they are not, CUDA is simply unavailable.
pub fn cuda_available() -> bool {
    static LOADED: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    if tch::Cuda::is_available() {
        return true;
    }
    LOADED.get_or_init(|| {
        // SAFETY: dlopen with a constant, NUL-terminated name; the handle is
        // kept for the life of the process (libtorch's CUDA backend stays
        // registered), so it is never closed.
        unsafe {
            libc::dlopen(
                c"libtorch_cuda.so".as_ptr(),
                libc::RTLD_NOW | libc::RTLD_GLOBAL,
            );
        }
    });
    tch::Cuda::is_available()
}

impl Device {
    /// Checks the device exists here and returns tch's handle for it.
    pub fn to_tch(self) -> Result<tch::Device, DeviceError> {
        match self {
            Device::Cpu => Ok(tch::Device::Cpu),
            Device::Cuda(index) => {
                if !cuda_available() {
                    return Err(DeviceError::NoCuda(self.to_string()));
                }
                let count = usize::try_from(tch::Cuda::device_count()).unwrap_or(0);
                if index >= count {
                    return Err(DeviceError::NoSuchGpu { index, count });
                }
                Ok(tch::Device::Cuda(index))
            }
        }
    }

    /// The floating-point type weights use on this device: f32 on CPU,
    /// bf16 on CUDA.
    pub fn dtype(self) -> tch::Kind {
        match self {
            Device::Cpu => tch::Kind::Float,
            Device::Cuda(_) => tch::Kind::BFloat16,
        }
    }
}

/// Sets how many CPU threads libtorch uses for one operator. On a machine
/// shared with other work, fewer threads than cores avoids OpenMP spinning.
pub fn set_cpu_threads(n: i32) {
    tch::set_num_threads(n.max(1));
}

/// Memory read bandwidth of `device` in bytes/s, measured by summing a
/// 256 MiB buffer (reads only, like a decode step's weight reads) and taking
/// the median of `reps` passes after a warm-up. It is the denominator of
/// the decode floor.
pub fn measure_read_bandwidth(device: Device, reps: usize) -> Result<f64, DeviceError> {
    let dev = device.to_tch()?;
    let n: i64 = 64 << 20; // f32 elements: 256 MiB
    let src = tch::Tensor::ones([n], (tch::Kind::Float, dev));
    let pass = || {
        let s = src.sum(tch::Kind::Float);
        // Reading the scalar back waits for the GPU too.
        s.double_value(&[])
    };
    pass();
    let mut times: Vec<f64> = (0..reps.max(1))
        .map(|_| {
            let t = std::time::Instant::now();
            pass();
            t.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    Ok((n as f64) * 4.0 / median.max(1e-12))
}

/// Waits for queued GPU work on `device` (a no-op on the CPU), so wall
/// clocks around it measure the work.
pub fn synchronize(device: Device) {
    if let Device::Cuda(i) = device {
        tch::Cuda::synchronize(i as i64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_and_print() {
        assert_eq!("cpu".parse(), Ok(Device::Cpu));
        assert_eq!("cuda".parse(), Ok(Device::Cuda(0)));
        assert_eq!("cuda:1".parse(), Ok(Device::Cuda(1)));
        assert_eq!(
            "cuda:1".parse::<Device>().map(|d| d.to_string()),
            Ok("cuda:1".into())
        );
        assert!(matches!(
            "gpu".parse::<Device>(),
            Err(DeviceError::Unknown(_))
        ));
    }

    #[test]
    fn libtorch_runs_on_the_cpu() {
        let dev = Device::Cpu.to_tch().expect("cpu");
        let a = tch::Tensor::from_slice(&[1.0f32, 2.0, 3.0, 4.0])
            .reshape([2, 2])
            .to_device(dev);
        let b = a.matmul(&a);
        let got: Vec<f32> = Vec::<f32>::try_from(b.flatten(0, -1)).expect("to vec");
        assert_eq!(got, vec![7.0, 10.0, 15.0, 22.0]);
    }

    #[test]
    fn cuda_is_detected_where_a_gpu_is_expected() {
        // Set on GPU machines (REWASM_EXPECT_CUDA=1): catches a build whose
        // libtorch_cuda.so was dropped at link time.
        if std::env::var_os("REWASM_EXPECT_CUDA").is_some() {
            assert!(cuda_available(), "a GPU is expected but libtorch sees none");
            assert!(Device::Cuda(0).to_tch().is_ok());
        } else if !cuda_available() {
            assert_eq!(
                Device::Cuda(0).to_tch(),
                Err(DeviceError::NoCuda("cuda:0".into()))
            );
        }
    }
}
