//! The model packages Motionboard knows, as data: what each one is, the files it needs and
//! where on the Hugging Face Hub they are published. Sizes are approximate (for display and
//! for the disk-space check before a download); files are verified by the server's size and
//! sha256 and by the soundness check, never by numbers written here.

use serde::Serialize;
use ts_rs::TS;

/// Where downloads come from unless a mirror (the app's setting, `--base-url`,
/// `MOTIONBOARD_MODELS_URL`) says otherwise.
pub const DEFAULT_BASE_URL: &str = "https://huggingface.co";

/// Which Wan generation a file belongs to (their latent spaces differ: 16 against 48
/// channels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum WanVersion {
    /// Wan2.1 (16 latent channels, VAE 4x8x8).
    Wan21,
    /// Wan2.2 TI2V (48 latent channels, VAE 4x16x16).
    Wan22,
}

/// What a model file is for; decides which config it is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case", tag = "role", content = "version")]
pub enum Role {
    /// The diffusion transformer (Wan2.1 T2V 1.3B or Wan2.2 TI2V 5B).
    Dit(WanVersion),
    /// The video VAE.
    Vae(WanVersion),
    /// The umT5-XXL text encoder (shared by every Wan model).
    TextEncoder,
    /// A TAEHV tiny preview decoder (taew2_1 / taew2_2).
    PreviewDecoder(WanVersion),
}

impl Role {
    /// The folder a file of this role goes to in the app's models folder (ComfyUI's names, so
    /// a ComfyUI models folder and Motionboard's look alike).
    pub fn folder(self) -> &'static str {
        match self {
            Role::Dit(_) => "diffusion_models",
            Role::Vae(_) => "vae",
            Role::TextEncoder => "text_encoders",
            Role::PreviewDecoder(_) => "vae_approx",
        }
    }

    /// The folders of a ComfyUI models folder where ComfyUI looks for this role.
    pub fn comfyui_folders(self) -> &'static [&'static str] {
        match self {
            Role::Dit(_) => &["diffusion_models", "unet"],
            Role::Vae(_) => &["vae"],
            Role::TextEncoder => &["text_encoders", "clip"],
            Role::PreviewDecoder(_) => &["vae_approx"],
        }
    }

    /// In words, for tables and messages.
    pub fn describe(self) -> &'static str {
        match self {
            Role::Dit(WanVersion::Wan21) => "Wan2.1 T2V 1.3B transformer",
            Role::Dit(WanVersion::Wan22) => "Wan2.2 TI2V 5B transformer",
            Role::Vae(WanVersion::Wan21) => "Wan2.1 VAE",
            Role::Vae(WanVersion::Wan22) => "Wan2.2 VAE",
            Role::TextEncoder => "umT5-XXL text encoder",
            Role::PreviewDecoder(WanVersion::Wan21) => "TAEHV preview decoder for Wan2.1",
            Role::PreviewDecoder(WanVersion::Wan22) => "TAEHV preview decoder for Wan2.2",
        }
    }
}

/// What kind of package an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case", tag = "kind", content = "version")]
pub enum PackageKind {
    /// Everything generation needs: a diffusers pipeline folder, or a set of single files
    /// (transformer, VAE, text encoder) as ComfyUI keeps them.
    Pipeline(WanVersion),
    /// One component as a single file (ComfyUI's repackaged files, TAEHV).
    Component(Role),
    /// A file in the models folder that is no model Motionboard knows.
    Unknown,
}

/// One file of a single-file package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSpec {
    /// What it is.
    pub role: Role,
    /// Hub repository, `Org/Name`.
    pub repo: &'static str,
    /// Path inside the repository.
    pub repo_path: &'static str,
    /// Roughly how big it is, in bytes.
    pub approx_bytes: u64,
    /// Other names the same model goes by in the same repository (other precisions): found
    /// and used when present, never downloaded.
    pub alternatives: &'static [&'static str],
    /// Checked against the config the file carries in its `__metadata__` rather than the
    /// published model's (the tiny models of a test catalog, see [`super::catalog_file`]).
    pub own_config: bool,
}

impl FileSpec {
    /// The file's name (the last part of its repository path).
    pub fn file_name(&self) -> &'static str {
        self.repo_path.rsplit('/').next().unwrap_or(self.repo_path)
    }

    /// Every name the file may be found under, the downloaded one first.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        std::iter::once(self.file_name()).chain(self.alternatives.iter().copied())
    }
}

/// Where a package's files come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A whole diffusers repository (its file list is read from the Hub when downloading).
    Repo {
        /// `Org/Name`.
        repo: &'static str,
        /// Roughly how big the whole package is, in bytes.
        approx_bytes: u64,
    },
    /// Single files.
    Files(Vec<FileSpec>),
}

/// A known package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageSpec {
    /// Stable id (`motionboard models download ID`).
    pub id: &'static str,
    /// Name shown to a person.
    pub name: &'static str,
    /// What it is.
    pub kind: PackageKind,
    /// Where it comes from.
    pub source: Source,
}

impl PackageSpec {
    /// The folder a diffusers package lives in inside the app's models folder (the
    /// repository's name, as `huggingface-cli download --local-dir` would name it).
    pub fn folder_name(&self) -> Option<&'static str> {
        match &self.source {
            Source::Repo { repo, .. } => repo.rsplit('/').next(),
            Source::Files(_) => None,
        }
    }

    /// Roughly how many bytes a download fetches.
    pub fn approx_bytes(&self) -> u64 {
        match &self.source {
            Source::Repo { approx_bytes, .. } => *approx_bytes,
            Source::Files(files) => files.iter().map(|f| f.approx_bytes).sum(),
        }
    }
}

const COMFY_21: &str = "Comfy-Org/Wan_2.1_ComfyUI_repackaged";
const COMFY_22: &str = "Comfy-Org/Wan_2.2_ComfyUI_Repackaged";
const GB: u64 = 1_000_000_000;
const MB: u64 = 1_000_000;

fn single(id: &'static str, name: &'static str, file: FileSpec) -> PackageSpec {
    PackageSpec {
        id,
        name,
        kind: PackageKind::Component(file.role),
        source: Source::Files(vec![file]),
    }
}

/// umT5-XXL with fp8 e4m3fn weights and per-tensor scales (6.7 GB, against 11.4 GB in fp16):
/// what the starter sets use.
fn umt5_fp8() -> FileSpec {
    FileSpec {
        role: Role::TextEncoder,
        repo: COMFY_21,
        repo_path: "split_files/text_encoders/umt5_xxl_fp8_e4m3fn_scaled.safetensors",
        approx_bytes: 6_735 * MB,
        alternatives: &[],
        own_config: false,
    }
}

/// Every package Motionboard knows; per model, the starter set (ComfyUI's files with the fp8
/// text encoder: the smallest download that generates) comes first. The packages of a
/// catalog file named by `MOTIONBOARD_CATALOG` come before them all and replace any of the
/// same id (see [`super::catalog_file`]).
pub fn catalog() -> Vec<PackageSpec> {
    let extra = super::catalog_file::from_env();
    let mut all: Vec<PackageSpec> = extra.to_vec();
    all.extend(
        built_in()
            .into_iter()
            .filter(|p| !extra.iter().any(|e| e.id == p.id)),
    );
    all
}

/// The packages published on the Hub that Motionboard knows.
pub fn built_in() -> Vec<PackageSpec> {
    use WanVersion::{Wan21, Wan22};
    vec![
        PackageSpec {
            id: "wan2.1-t2v-1.3b-starter",
            name: "Wan2.1 T2V 1.3B starter (ComfyUI files, fp16 model, fp8 text encoder, 9.8 GB)",
            kind: PackageKind::Pipeline(Wan21),
            source: Source::Files(vec![
                FileSpec {
                    role: Role::Dit(Wan21),
                    repo: COMFY_21,
                    repo_path: "split_files/diffusion_models/wan2.1_t2v_1.3B_fp16.safetensors",
                    approx_bytes: 2_838 * MB,
                    alternatives: &["wan2.1_t2v_1.3B_bf16.safetensors"],
                    own_config: false,
                },
                FileSpec {
                    role: Role::Vae(Wan21),
                    repo: COMFY_21,
                    repo_path: "split_files/vae/wan_2.1_vae.safetensors",
                    approx_bytes: 254 * MB,
                    alternatives: &[],
                    own_config: false,
                },
                umt5_fp8(),
            ]),
        },
        PackageSpec {
            id: "wan2.2-ti2v-5b-starter",
            name: "Wan2.2 TI2V 5B starter (ComfyUI files, fp16 model, fp8 text encoder, 18 GB)",
            kind: PackageKind::Pipeline(Wan22),
            source: Source::Files(vec![
                FileSpec {
                    role: Role::Dit(Wan22),
                    repo: COMFY_22,
                    repo_path: "split_files/diffusion_models/wan2.2_ti2v_5B_fp16.safetensors",
                    approx_bytes: 9_999 * MB,
                    alternatives: &[],
                    own_config: false,
                },
                FileSpec {
                    role: Role::Vae(Wan22),
                    repo: COMFY_22,
                    repo_path: "split_files/vae/wan2.2_vae.safetensors",
                    approx_bytes: 1_410 * MB,
                    alternatives: &[],
                    own_config: false,
                },
                umt5_fp8(),
            ]),
        },
        PackageSpec {
            id: "wan2.1-t2v-1.3b-diffusers",
            name: "Wan2.1 T2V 1.3B (diffusers package, f32, 29 GB)",
            kind: PackageKind::Pipeline(Wan21),
            source: Source::Repo {
                repo: "Wan-AI/Wan2.1-T2V-1.3B-Diffusers",
                approx_bytes: 29 * GB,
            },
        },
        PackageSpec {
            id: "wan2.2-ti2v-5b-diffusers",
            name: "Wan2.2 TI2V 5B (diffusers package, f32, 45 GB)",
            kind: PackageKind::Pipeline(Wan22),
            source: Source::Repo {
                repo: "Wan-AI/Wan2.2-TI2V-5B-Diffusers",
                approx_bytes: 45 * GB,
            },
        },
        // FastVideo's 3-step distilled (DMD) releases: the same components, a distilled
        // transformer, sampled in 3 steps without guidance. FastWan2.2 is the dense-attention
        // variant; FastWan2.1-1.3B exists only as trained with sparse attention and runs with
        // full attention here, as FastVideo runs it where its sparse kernels are missing.
        PackageSpec {
            id: "fastwan2.1-t2v-1.3b-diffusers",
            name: "FastWan2.1 T2V 1.3B, 3 steps (diffusers package)",
            kind: PackageKind::Pipeline(Wan21),
            source: Source::Repo {
                repo: "FastVideo/FastWan2.1-T2V-1.3B-Diffusers",
                approx_bytes: 29 * GB,
            },
        },
        PackageSpec {
            id: "fastwan2.2-ti2v-5b-diffusers",
            name: "FastWan2.2 TI2V 5B, 3 steps (diffusers package)",
            kind: PackageKind::Pipeline(Wan22),
            source: Source::Repo {
                repo: "FastVideo/FastWan2.2-TI2V-5B-FullAttn-Diffusers",
                approx_bytes: 23 * GB,
            },
        },
        single(
            "wan2.1-t2v-1.3b",
            "Wan2.1 T2V 1.3B transformer (ComfyUI, fp16)",
            FileSpec {
                role: Role::Dit(Wan21),
                repo: COMFY_21,
                repo_path: "split_files/diffusion_models/wan2.1_t2v_1.3B_fp16.safetensors",
                approx_bytes: 2_840 * MB,
                alternatives: &["wan2.1_t2v_1.3B_bf16.safetensors"],
                own_config: false,
            },
        ),
        single(
            "wan2.2-ti2v-5b",
            "Wan2.2 TI2V 5B transformer (ComfyUI, fp16)",
            FileSpec {
                role: Role::Dit(Wan22),
                repo: COMFY_22,
                repo_path: "split_files/diffusion_models/wan2.2_ti2v_5B_fp16.safetensors",
                approx_bytes: 10 * GB,
                alternatives: &[],
                own_config: false,
            },
        ),
        single(
            "wan2.1-vae",
            "Wan2.1 VAE (ComfyUI)",
            FileSpec {
                role: Role::Vae(Wan21),
                repo: COMFY_21,
                repo_path: "split_files/vae/wan_2.1_vae.safetensors",
                approx_bytes: 254 * MB,
                alternatives: &[],
                own_config: false,
            },
        ),
        single(
            "wan2.2-vae",
            "Wan2.2 VAE (ComfyUI)",
            FileSpec {
                role: Role::Vae(Wan22),
                repo: COMFY_22,
                repo_path: "split_files/vae/wan2.2_vae.safetensors",
                approx_bytes: 1_410 * MB,
                alternatives: &[],
                own_config: false,
            },
        ),
        single(
            "umt5-xxl",
            "umT5-XXL text encoder (ComfyUI, fp16)",
            FileSpec {
                role: Role::TextEncoder,
                repo: COMFY_21,
                repo_path: "split_files/text_encoders/umt5_xxl_fp16.safetensors",
                approx_bytes: 11_400 * MB,
                alternatives: &["umt5_xxl_fp8_e4m3fn_scaled.safetensors"],
                own_config: false,
            },
        ),
        single(
            "taew2_1",
            "TAEHV preview decoder for Wan2.1",
            FileSpec {
                role: Role::PreviewDecoder(Wan21),
                repo: "madebyollin/taehv",
                repo_path: "taew2_1.safetensors",
                approx_bytes: 23 * MB,
                alternatives: &[],
                own_config: false,
            },
        ),
        single(
            "taew2_2",
            "TAEHV preview decoder for Wan2.2",
            FileSpec {
                role: Role::PreviewDecoder(Wan22),
                repo: "madebyollin/taehv",
                repo_path: "taew2_2.safetensors",
                approx_bytes: 23 * MB,
                alternatives: &[],
                own_config: false,
            },
        ),
    ]
}

/// The package called `id`.
pub fn find(id: &str) -> Option<PackageSpec> {
    catalog().into_iter().find(|p| p.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_found() {
        let all = catalog();
        let mut ids: Vec<&str> = all.iter().map(|p| p.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), all.len());
        assert_eq!(
            find("wan2.1-vae").map(|p| p.kind),
            Some(PackageKind::Component(Role::Vae(WanVersion::Wan21)))
        );
        assert!(find("sd15").is_none());
    }

    #[test]
    fn each_model_offers_its_starter_set_first_and_smallest() {
        let all = catalog();
        for version in [WanVersion::Wan21, WanVersion::Wan22] {
            let pipelines: Vec<&PackageSpec> = all
                .iter()
                .filter(|p| p.kind == PackageKind::Pipeline(version))
                .collect();
            let starter = pipelines[0];
            assert!(starter.id.ends_with("-starter"), "{}", starter.id);
            let Source::Files(files) = &starter.source else {
                panic!("a starter set is single files")
            };
            let roles: Vec<Role> = files.iter().map(|f| f.role).collect();
            assert_eq!(
                roles,
                [Role::Dit(version), Role::Vae(version), Role::TextEncoder]
            );
            assert!(files[2].file_name().contains("fp8"));
            assert!(pipelines[1..]
                .iter()
                .all(|p| p.approx_bytes() > starter.approx_bytes()));
        }
    }

    #[test]
    fn diffusers_packages_land_in_their_repository_name() {
        let wan = find("wan2.2-ti2v-5b-diffusers").expect("known");
        assert_eq!(wan.folder_name(), Some("Wan2.2-TI2V-5B-Diffusers"));
        let taew = find("taew2_2").expect("known");
        let Source::Files(files) = &taew.source else {
            panic!("single file")
        };
        assert_eq!(files[0].file_name(), "taew2_2.safetensors");
        assert_eq!(files[0].role.folder(), "vae_approx");
    }
}
