//! Which GPU the engine would run on, in words a creator understands: its name, the graphics
//! API, the shader compiler burn feeds it, whether matrix units (tensor cores) are in reach,
//! and whether it is a software rasterizer (lavapipe, llvmpipe, WARP) that only pretends to
//! be a GPU.
//!
//! burn's wgpu backend (cubecl 0.11) compiles kernels to WGSL everywhere unless it was built
//! with the `vulkan` (SPIR-V) or `metal` (MSL) compiler; with them it picks SPIR-V on Vulkan
//! adapters and MSL on Metal at run time, and only those two register cooperative-matrix
//! (tensor core) instructions. A software adapter runs every kernel on the CPU through a
//! shader interpreter: a tiny package took 46 s there against 1.1 s on burn's CPU backend, so
//! the engine uses the CPU instead unless told otherwise.
//!
//! [`AdapterFacts`] is plain data (what wgpu's `AdapterInfo` and features say), so the
//! classification is tested without a GPU; [`probe`] fills it in on a real machine the way
//! cubecl picks its default adapter.

use std::fmt;

use serde::Serialize;

/// The graphics API an adapter is reached through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum GraphicsApi {
    Vulkan,
    Metal,
    Dx12,
    OpenGl,
    WebGpu,
    Other,
}

impl GraphicsApi {
    /// The name people know it by.
    pub fn label(self) -> &'static str {
        match self {
            GraphicsApi::Vulkan => "Vulkan",
            GraphicsApi::Metal => "Metal",
            GraphicsApi::Dx12 => "DirectX 12",
            GraphicsApi::OpenGl => "OpenGL",
            GraphicsApi::WebGpu => "WebGPU",
            GraphicsApi::Other => "unknown API",
        }
    }
}

/// What kind of device wgpu says an adapter is (`wgpu::DeviceType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum DeviceType {
    Discrete,
    Integrated,
    Virtual,
    /// A software rasterizer.
    Cpu,
    Other,
}

/// The shader compiler burn's wgpu backend uses on an adapter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ShaderCompiler {
    /// WGSL (through naga): every adapter; no cooperative matrices in cubecl 0.11.
    Wgsl,
    /// SPIR-V straight to the Vulkan driver (burn's `vulkan` feature).
    SpirV,
    /// Metal Shading Language (burn's `metal` feature).
    Msl,
}

impl ShaderCompiler {
    /// Its usual name.
    pub fn label(self) -> &'static str {
        match self {
            ShaderCompiler::Wgsl => "WGSL",
            ShaderCompiler::SpirV => "SPIR-V",
            ShaderCompiler::Msl => "MSL",
        }
    }
}

/// Which native compilers this build of burn has (its `vulkan` / `metal` features).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CompilersBuilt {
    pub spirv: bool,
    pub msl: bool,
}

impl CompilersBuilt {
    /// The compilers of this build: SPIR-V with the crate's `spirv` feature (burn's `vulkan`),
    /// MSL with `msl` (burn's `metal`).
    pub fn this_build() -> Self {
        Self {
            spirv: cfg!(feature = "spirv"),
            msl: cfg!(feature = "msl"),
        }
    }
}

/// What wgpu reports about an adapter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdapterFacts {
    /// `AdapterInfo::name` ("NVIDIA GeForce RTX 4090", "llvmpipe (LLVM 15.0.6, 256 bits)").
    pub name: String,
    /// `AdapterInfo::driver` ("NVIDIA", "llvmpipe").
    pub driver: String,
    /// `AdapterInfo::driver_info` ("550.54.14", "Mesa 22.3.6 (LLVM 15.0.6)").
    pub driver_info: String,
    pub device_type: DeviceType,
    pub api: GraphicsApi,
    /// Whether the adapter offers cooperative matrices (wgpu's
    /// `EXPERIMENTAL_COOPERATIVE_MATRIX`: VK_KHR_cooperative_matrix, Metal's simdgroup
    /// matrices).
    pub cooperative_matrix: bool,
    /// Whether shaders may use f16 (wgpu's `SHADER_F16`): the engine then runs in f16.
    pub shader_f16: bool,
}

/// Names of software rasterizers that some drivers report as a GPU type.
const SOFTWARE_NAMES: [&str; 5] = ["llvmpipe", "lavapipe", "softpipe", "swiftshader", "warp"];

/// An adapter, classified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GpuAdapter {
    pub name: String,
    pub api: GraphicsApi,
    /// A software rasterizer: slower than the CPU backend.
    pub software: bool,
    pub compiler: ShaderCompiler,
    /// Matrix units in use: a native compiler and cooperative matrices on the adapter.
    pub tensor_cores: bool,
    /// The float type the engine runs in there by default: "f16" or "f32".
    pub precision: &'static str,
}

impl AdapterFacts {
    /// Whether this is a software rasterizer: wgpu's `Cpu` type, or a known software driver
    /// by name (some report themselves as `Other`).
    pub fn is_software(&self) -> bool {
        if self.device_type == DeviceType::Cpu {
            return true;
        }
        let words = format!("{} {}", self.name, self.driver).to_lowercase();
        words.contains("microsoft basic render driver")
            || words
                .split(|c: char| !c.is_alphanumeric())
                .any(|word| SOFTWARE_NAMES.contains(&word))
    }

    /// The adapter as the engine would use it with `built`'s compilers: SPIR-V on Vulkan and
    /// MSL on Metal where built (cubecl also needs the Vulkan memory model and buffer device
    /// addresses, which every current desktop driver has), WGSL otherwise.
    pub fn classify(&self, built: CompilersBuilt) -> GpuAdapter {
        let compiler = match self.api {
            GraphicsApi::Vulkan if built.spirv => ShaderCompiler::SpirV,
            GraphicsApi::Metal if built.msl => ShaderCompiler::Msl,
            _ => ShaderCompiler::Wgsl,
        };
        let software = self.is_software();
        GpuAdapter {
            name: self.name.clone(),
            api: self.api,
            software,
            compiler,
            tensor_cores: compiler != ShaderCompiler::Wgsl && self.cooperative_matrix && !software,
            precision: if self.shader_f16 { "f16" } else { "f32" },
        }
    }
}

impl GpuAdapter {
    /// One line for the app: "GPU: NVIDIA GeForce RTX 4090, Vulkan (SPIR-V), f16, tensor
    /// cores".
    pub fn line(&self) -> String {
        let precision = self.precision;
        let units = if self.software {
            "software rasterizer, slower than the CPU"
        } else if self.tensor_cores {
            "tensor cores"
        } else {
            "no tensor cores"
        };
        format!(
            "GPU: {}, {} ({}), {precision}, {units}",
            self.name,
            self.api.label(),
            self.compiler.label()
        )
    }
}

impl fmt::Display for GpuAdapter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({}, {})",
            self.name,
            self.api.label(),
            self.compiler.label()
        )
    }
}

/// The adapter burn's default wgpu device would take, found as cubecl 0.11 finds it: the first
/// graphics API of Vulkan and DirectX 12 (Metal on macOS) that has a hardware adapter (or,
/// failing that, the first with any adapter), then its high-performance adapter. `None` when
/// there is none. cubecl would try OpenGL last; it is left out here, because opening an EGL
/// display inside the app's process is no probe to make lightly, and a GPU reachable only
/// through OpenGL (some virtual machines) is no GPU worth generating on.
///
/// It opens a wgpu instance of its own: call it before the engine's device is opened, or
/// from the same thread, never while another thread creates one (the Vulkan loader is not
/// safe against that).
pub fn probe() -> Option<AdapterFacts> {
    use burn::backend::wgpu::wgpu;

    let chain: &[wgpu::Backend] = if cfg!(target_os = "macos") {
        &[wgpu::Backend::Metal]
    } else {
        &[
            wgpu::Backend::Vulkan,
            wgpu::Backend::Dx12,
            wgpu::Backend::Gl,
        ]
    };
    let instance_for = |backend: wgpu::Backend| {
        wgpu::Instance::new(wgpu::InstanceDescriptor {
            backends: backend.into(),
            ..wgpu::InstanceDescriptor::new_without_display_handle()
        })
    };
    let mut software_only = None;
    let mut chosen = None;
    for &backend in chain {
        let instance = instance_for(backend);
        let adapters = pollster_block_on(instance.enumerate_adapters(backend.into()));
        if adapters
            .iter()
            .any(|a| a.get_info().device_type != wgpu::DeviceType::Cpu)
        {
            chosen = Some(backend);
            break;
        }
        if software_only.is_none() && !adapters.is_empty() {
            software_only = Some(backend);
        }
    }
    let backend = chosen.or(software_only)?;
    let instance = instance_for(backend);
    let adapter = pollster_block_on(instance.request_adapter(&wgpu::RequestAdapterOptions {
        power_preference: wgpu::PowerPreference::HighPerformance,
        force_fallback_adapter: false,
        compatible_surface: None,
        ..Default::default()
    }))
    .ok()?;
    let info = adapter.get_info();
    Some(AdapterFacts {
        name: info.name,
        driver: info.driver,
        driver_info: info.driver_info,
        device_type: match info.device_type {
            wgpu::DeviceType::DiscreteGpu => DeviceType::Discrete,
            wgpu::DeviceType::IntegratedGpu => DeviceType::Integrated,
            wgpu::DeviceType::VirtualGpu => DeviceType::Virtual,
            wgpu::DeviceType::Cpu => DeviceType::Cpu,
            wgpu::DeviceType::Other => DeviceType::Other,
        },
        api: match info.backend {
            wgpu::Backend::Vulkan => GraphicsApi::Vulkan,
            wgpu::Backend::Metal => GraphicsApi::Metal,
            wgpu::Backend::Dx12 => GraphicsApi::Dx12,
            wgpu::Backend::Gl => GraphicsApi::OpenGl,
            wgpu::Backend::BrowserWebGpu => GraphicsApi::WebGpu,
            _ => GraphicsApi::Other,
        },
        cooperative_matrix: adapter
            .features()
            .contains(wgpu::Features::EXPERIMENTAL_COOPERATIVE_MATRIX),
        shader_f16: adapter.features().contains(wgpu::Features::SHADER_F16),
    })
}

/// [`probe`], classified for this build, once per process (later calls wait for the first).
/// Call it before the engine opens a wgpu device, so that the two never create Vulkan
/// instances at the same time.
pub fn default_adapter() -> Option<&'static GpuAdapter> {
    static ADAPTER: std::sync::OnceLock<Option<GpuAdapter>> = std::sync::OnceLock::new();
    ADAPTER
        .get_or_init(|| probe().map(|facts| facts.classify(CompilersBuilt::this_build())))
        .as_ref()
}

/// Runs a future that completes without waking (wgpu's native adapter calls do).
fn pollster_block_on<F: std::future::Future>(future: F) -> F::Output {
    use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};
    fn noop_raw() -> RawWaker {
        fn clone(_: *const ()) -> RawWaker {
            noop_raw()
        }
        fn noop(_: *const ()) {}
        static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, noop, noop, noop);
        RawWaker::new(std::ptr::null(), &VTABLE)
    }
    // SAFETY: the vtable's functions do nothing and never touch the (null) data pointer.
    let waker = unsafe { Waker::from_raw(noop_raw()) };
    let mut context = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return output;
        }
        std::thread::yield_now();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(name: &str, driver: &str, device_type: DeviceType, api: GraphicsApi) -> AdapterFacts {
        AdapterFacts {
            name: name.into(),
            driver: driver.into(),
            driver_info: String::new(),
            device_type,
            api,
            cooperative_matrix: false,
            shader_f16: true,
        }
    }

    const BOTH: CompilersBuilt = CompilersBuilt {
        spirv: true,
        msl: true,
    };

    #[test]
    fn software_rasterizers_are_named_as_such() {
        let lavapipe = facts(
            "llvmpipe (LLVM 15.0.6, 256 bits)",
            "llvmpipe",
            DeviceType::Cpu,
            GraphicsApi::Vulkan,
        );
        assert!(lavapipe.is_software());
        // llvmpipe through OpenGL reports itself as `Other`: its name gives it away.
        let gl = facts(
            "llvmpipe (LLVM 15.0.6, 256 bits)",
            "",
            DeviceType::Other,
            GraphicsApi::OpenGl,
        );
        assert!(gl.is_software());
        let warp = facts(
            "Microsoft Basic Render Driver",
            "",
            DeviceType::Other,
            GraphicsApi::Dx12,
        );
        assert!(warp.is_software());
        let adapter = lavapipe.classify(BOTH);
        assert!(adapter.software && !adapter.tensor_cores);
        assert_eq!(
            adapter.line(),
            "GPU: llvmpipe (LLVM 15.0.6, 256 bits), Vulkan (SPIR-V), f16, software rasterizer, \
             slower than the CPU"
        );
    }

    #[test]
    fn hardware_adapters_are_not_software() {
        for (name, driver, device_type) in [
            ("NVIDIA GeForce RTX 4090", "NVIDIA", DeviceType::Discrete),
            (
                "AMD Radeon RX 7900 XTX (RADV NAVI31)",
                "radv",
                DeviceType::Discrete,
            ),
            (
                "Intel(R) Arc(tm) A770 Graphics (DG2)",
                "Intel open-source Mesa driver",
                DeviceType::Discrete,
            ),
            ("Apple M2 Max", "", DeviceType::Integrated),
            // A word that merely contains "warp" is not WARP.
            ("Warpspeed Virtual GPU", "", DeviceType::Virtual),
        ] {
            let facts = facts(name, driver, device_type, GraphicsApi::Vulkan);
            assert!(!facts.is_software(), "{name}");
        }
    }

    #[test]
    fn the_compiler_follows_the_api_and_the_build() {
        let mut nvidia = facts(
            "NVIDIA GeForce RTX 4090",
            "NVIDIA",
            DeviceType::Discrete,
            GraphicsApi::Vulkan,
        );
        nvidia.cooperative_matrix = true;
        let wgsl_only = CompilersBuilt::default();
        let a = nvidia.classify(wgsl_only);
        assert_eq!(a.compiler, ShaderCompiler::Wgsl);
        assert!(!a.tensor_cores, "WGSL registers no cooperative matrices");
        assert_eq!(
            a.line(),
            "GPU: NVIDIA GeForce RTX 4090, Vulkan (WGSL), f16, no tensor cores"
        );
        let a = nvidia.classify(BOTH);
        assert_eq!(a.compiler, ShaderCompiler::SpirV);
        assert_eq!(
            a.line(),
            "GPU: NVIDIA GeForce RTX 4090, Vulkan (SPIR-V), f16, tensor cores"
        );
        // DirectX 12 has only WGSL, whatever was built.
        let mut dx = nvidia.clone();
        dx.api = GraphicsApi::Dx12;
        assert_eq!(dx.classify(BOTH).compiler, ShaderCompiler::Wgsl);
        assert!(!dx.classify(BOTH).tensor_cores);
        // Metal with MSL.
        let mut mac = facts(
            "Apple M2 Max",
            "",
            DeviceType::Integrated,
            GraphicsApi::Metal,
        );
        mac.cooperative_matrix = true;
        let a = mac.classify(BOTH);
        assert_eq!((a.compiler, a.tensor_cores), (ShaderCompiler::Msl, true));
        // SPIR-V without cooperative matrices: no tensor cores.
        nvidia.cooperative_matrix = false;
        assert!(!nvidia.classify(BOTH).tensor_cores);
    }
}
