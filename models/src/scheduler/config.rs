//! The scheduler config, as diffusers' `save_pretrained` writes it (`scheduler_config.json`).
//!
//! One struct covers both flow-matching schedulers Motionboard implements:
//! `FlowMatchEulerDiscreteScheduler` (which names its shift `shift`) and
//! `UniPCMultistepScheduler` with flow sigmas (which names it `flow_shift`). Fields that only
//! matter to one of them are ignored by the other, as in diffusers; fields Motionboard does not
//! read are ignored; settings that would change the result and are not implemented (Karras
//! sigmas, dynamic shifting, thresholding, ...) are refused by [`FlowSchedulerConfig::validate`]
//! with the field's name, never silently dropped.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::error::SchedulerError;

/// Which sampler a config describes, from its `_class_name`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SamplerKind {
    /// `FlowMatchEulerDiscreteScheduler`: first-order Euler on the flow ODE.
    Euler,
    /// `UniPCMultistepScheduler` with `use_flow_sigmas` (Wan's default): multistep
    /// predictor-corrector.
    UniPc,
}

impl SamplerKind {
    /// The diffusers class name.
    pub fn class_name(self) -> &'static str {
        match self {
            SamplerKind::Euler => "FlowMatchEulerDiscreteScheduler",
            SamplerKind::UniPc => "UniPCMultistepScheduler",
        }
    }
}

/// UniPC's B(h) variant (`solver_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SolverType {
    /// B(h) = h: recommended by UniPC's authors for unconditional sampling.
    #[serde(rename = "bh1")]
    Bh1,
    /// B(h) = e^h - 1: the default, and what Wan uses.
    #[serde(rename = "bh2", alias = "midpoint", alias = "heun", alias = "logrho")]
    Bh2,
}

/// The sigma after the last step (`final_sigmas_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FinalSigmas {
    /// End at sigma 0: a clean sample.
    #[serde(rename = "zero")]
    Zero,
    /// End at the last scheduled sigma (UniPC only).
    #[serde(rename = "sigma_min")]
    SigmaMin,
}

/// A diffusers flow-matching scheduler config.
///
/// Defaults are diffusers' own, so a config that leaves a field out means what it means there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FlowSchedulerConfig {
    /// The diffusers class (`FlowMatchEulerDiscreteScheduler` or `UniPCMultistepScheduler`).
    #[serde(rename = "_class_name")]
    pub class_name: Option<String>,
    /// Timesteps the model was trained on: timestep = sigma * this.
    pub num_train_timesteps: u32,

    // FlowMatchEulerDiscreteScheduler
    /// Euler's timestep shift k in s' = k s / (1 + (k - 1) s).
    pub shift: f64,
    /// Resolution-dependent shifting (needs a `mu` per run): not implemented.
    pub use_dynamic_shifting: bool,
    /// Euler: sigmas run from 0 up to 1. Not implemented.
    pub invert_sigmas: bool,
    /// Stretch the schedule to end at this sigma. Not implemented.
    pub shift_terminal: Option<f64>,
    /// Euler: re-noise at each step instead of integrating the ODE. Not implemented.
    pub stochastic_sampling: bool,
    /// Karras spacing of the sigmas. Not implemented.
    pub use_karras_sigmas: bool,
    /// Exponential spacing of the sigmas. Not implemented.
    pub use_exponential_sigmas: bool,
    /// Beta-distribution spacing of the sigmas. Not implemented.
    pub use_beta_sigmas: bool,

    // UniPCMultistepScheduler
    /// UniPC: highest order of the multistep solver (Wan: 2).
    pub solver_order: usize,
    /// UniPC: what the model predicts; only `flow_prediction` is a flow-matching model.
    pub prediction_type: String,
    /// UniPC: build sigmas for flow matching rather than from a DDPM beta schedule.
    pub use_flow_sigmas: bool,
    /// UniPC's timestep shift k in s' = k s / (1 + (k - 1) s).
    pub flow_shift: f64,
    /// UniPC: solve in terms of the predicted clean sample (the only mode flow prediction has).
    pub predict_x0: bool,
    /// UniPC's B(h).
    pub solver_type: SolverType,
    /// UniPC: drop to lower orders on the last steps (keeps few-step schedules stable).
    pub lower_order_final: bool,
    /// UniPC: steps (by index) after which the corrector is skipped.
    pub disable_corrector: Vec<usize>,
    /// UniPC: the sigma after the last step.
    pub final_sigmas_type: FinalSigmas,
    /// UniPC: dynamic thresholding of the predicted sample. Not implemented.
    pub thresholding: bool,
    /// UniPC: a different solver for the predictor. Not implemented.
    pub solver_p: Option<serde_json::Value>,
}

impl Default for FlowSchedulerConfig {
    fn default() -> Self {
        Self {
            class_name: None,
            num_train_timesteps: 1000,
            shift: 1.0,
            use_dynamic_shifting: false,
            invert_sigmas: false,
            shift_terminal: None,
            stochastic_sampling: false,
            use_karras_sigmas: false,
            use_exponential_sigmas: false,
            use_beta_sigmas: false,
            solver_order: 2,
            prediction_type: "epsilon".to_owned(),
            use_flow_sigmas: false,
            flow_shift: 1.0,
            predict_x0: true,
            solver_type: SolverType::Bh2,
            lower_order_final: true,
            disable_corrector: Vec::new(),
            final_sigmas_type: FinalSigmas::Zero,
            thresholding: false,
            solver_p: None,
        }
    }
}

impl FlowSchedulerConfig {
    /// The Euler sampler with the given shift (what `FlowMatchEulerDiscreteScheduler(shift=k)`
    /// saves).
    pub fn euler(shift: f64) -> Self {
        Self {
            class_name: Some(SamplerKind::Euler.class_name().to_owned()),
            shift,
            ..Self::default()
        }
    }

    /// Wan's sampler: UniPC (bh2, order 2) with flow sigmas and the given shift (3.0 for 480p,
    /// 5.0 for 720p).
    pub fn wan_unipc(flow_shift: f64) -> Self {
        Self {
            class_name: Some(SamplerKind::UniPc.class_name().to_owned()),
            prediction_type: "flow_prediction".to_owned(),
            use_flow_sigmas: true,
            flow_shift,
            ..Self::default()
        }
    }

    /// Reads and validates a `scheduler_config.json`.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, SchedulerError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| SchedulerError::Read {
            path: path.to_owned(),
            source,
        })?;
        let config: Self = serde_json::from_str(&text).map_err(|source| SchedulerError::Parse {
            path: path.to_owned(),
            source,
        })?;
        config.validate().map_err(|e| match e {
            SchedulerError::Unsupported(msg) => {
                SchedulerError::Unsupported(format!("{}: {msg}", path.display()))
            }
            other => other,
        })?;
        Ok(config)
    }

    /// Parses and validates a config from JSON text.
    pub fn from_json(text: &str) -> Result<Self, SchedulerError> {
        let config: Self = serde_json::from_str(text).map_err(|source| SchedulerError::Parse {
            path: "(inline)".into(),
            source,
        })?;
        config.validate()?;
        Ok(config)
    }

    /// Which sampler this config describes.
    pub fn kind(&self) -> Result<SamplerKind, SchedulerError> {
        match self.class_name.as_deref() {
            Some("FlowMatchEulerDiscreteScheduler") => Ok(SamplerKind::Euler),
            Some("UniPCMultistepScheduler") => Ok(SamplerKind::UniPc),
            Some(other) => Err(SchedulerError::Unsupported(format!(
                "scheduler class `{other}` is not implemented; Motionboard's flow samplers are \
                 FlowMatchEulerDiscreteScheduler and UniPCMultistepScheduler"
            ))),
            None => Err(SchedulerError::Unsupported(
                "the scheduler config has no `_class_name`; set it to \
                 \"FlowMatchEulerDiscreteScheduler\" or \"UniPCMultistepScheduler\""
                    .to_owned(),
            )),
        }
    }

    /// The timestep shift k this config's sampler applies.
    pub fn effective_shift(&self) -> Result<f64, SchedulerError> {
        Ok(match self.kind()? {
            SamplerKind::Euler => self.shift,
            SamplerKind::UniPc => self.flow_shift,
        })
    }

    /// Refuses settings that would change the result and are not implemented.
    pub fn validate(&self) -> Result<(), SchedulerError> {
        let kind = self.kind()?;
        let unsupported = |field: &str, why: &str| {
            Err(SchedulerError::Unsupported(format!(
                "`{field}` is not supported by Motionboard's {} sampler ({why}); remove it or set \
                 it to its default",
                kind.class_name()
            )))
        };
        if self.num_train_timesteps == 0 {
            return unsupported("num_train_timesteps: 0", "it must be at least 1");
        }
        let shift = self.effective_shift()?;
        if !(shift.is_finite() && shift > 0.0) {
            return Err(SchedulerError::Unsupported(format!(
                "the timestep shift must be a positive number, not {shift}"
            )));
        }
        if self.use_dynamic_shifting {
            return unsupported(
                "use_dynamic_shifting: true",
                "resolution-dependent shifting; Wan uses a fixed shift",
            );
        }
        if self.shift_terminal.is_some_and(|t| t != 0.0) {
            return unsupported("shift_terminal", "a stretched schedule");
        }
        for (on, field) in [
            (self.use_karras_sigmas, "use_karras_sigmas: true"),
            (self.use_exponential_sigmas, "use_exponential_sigmas: true"),
            (self.use_beta_sigmas, "use_beta_sigmas: true"),
        ] {
            if on {
                return unsupported(
                    field,
                    "only the shifted linear flow schedule is implemented",
                );
            }
        }
        match kind {
            SamplerKind::Euler => {
                if self.invert_sigmas {
                    return unsupported("invert_sigmas: true", "an inverted schedule");
                }
                if self.stochastic_sampling {
                    return unsupported("stochastic_sampling: true", "only the ODE step");
                }
            }
            SamplerKind::UniPc => {
                if self.prediction_type != "flow_prediction" {
                    return unsupported(
                        &format!("prediction_type: \"{}\"", self.prediction_type),
                        "flow-matching models predict the flow: \"flow_prediction\"",
                    );
                }
                if !self.use_flow_sigmas {
                    return unsupported(
                        "use_flow_sigmas: false",
                        "a DDPM beta schedule is not a flow-matching schedule",
                    );
                }
                if !self.predict_x0 {
                    return unsupported(
                        "predict_x0: false",
                        "flow prediction is solved for the clean sample",
                    );
                }
                if self.thresholding {
                    return unsupported("thresholding: true", "dynamic thresholding");
                }
                if self.solver_p.as_ref().is_some_and(|v| !v.is_null()) {
                    return unsupported("solver_p", "a separate predictor solver");
                }
                if self.solver_order == 0 {
                    return unsupported("solver_order: 0", "the order must be at least 1");
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wan_config_round_trips_through_json() {
        let config = FlowSchedulerConfig::wan_unipc(3.0);
        let text = serde_json::to_string(&config).unwrap();
        let back = FlowSchedulerConfig::from_json(&text).unwrap();
        assert_eq!(back, config);
        assert_eq!(back.kind().unwrap(), SamplerKind::UniPc);
        assert_eq!(back.effective_shift().unwrap(), 3.0);
    }

    #[test]
    fn diffusers_defaults_apply_to_missing_fields() {
        let config =
            FlowSchedulerConfig::from_json(r#"{"_class_name": "FlowMatchEulerDiscreteScheduler"}"#)
                .unwrap();
        assert_eq!(config.kind().unwrap(), SamplerKind::Euler);
        assert_eq!(config.num_train_timesteps, 1000);
        assert_eq!(config.effective_shift().unwrap(), 1.0);
    }

    #[test]
    fn legacy_solver_types_mean_bh2() {
        let config = FlowSchedulerConfig::from_json(
            r#"{"_class_name": "UniPCMultistepScheduler", "prediction_type": "flow_prediction",
                "use_flow_sigmas": true, "solver_type": "midpoint"}"#,
        )
        .unwrap();
        assert_eq!(config.solver_type, SolverType::Bh2);
    }

    #[test]
    fn unsupported_settings_are_named() {
        let cases = [
            (r#"{"_class_name": "DDIMScheduler"}"#, "DDIMScheduler"),
            (r#"{"num_train_timesteps": 1000}"#, "_class_name"),
            (
                r#"{"_class_name": "FlowMatchEulerDiscreteScheduler", "use_karras_sigmas": true}"#,
                "use_karras_sigmas",
            ),
            (
                r#"{"_class_name": "FlowMatchEulerDiscreteScheduler", "use_dynamic_shifting": true}"#,
                "use_dynamic_shifting",
            ),
            (
                r#"{"_class_name": "UniPCMultistepScheduler", "use_flow_sigmas": true}"#,
                "prediction_type",
            ),
            (
                r#"{"_class_name": "UniPCMultistepScheduler", "prediction_type": "flow_prediction"}"#,
                "use_flow_sigmas",
            ),
        ];
        for (json, needle) in cases {
            let err = FlowSchedulerConfig::from_json(json)
                .unwrap_err()
                .to_string();
            assert!(err.contains(needle), "{json}: {err}");
        }
    }

    #[test]
    fn a_missing_file_names_the_path() {
        let err = FlowSchedulerConfig::load("/nonexistent/scheduler_config.json").unwrap_err();
        assert!(
            err.to_string()
                .contains("/nonexistent/scheduler_config.json"),
            "{err}"
        );
    }
}
