//! A shot and its generated clip: whether the clip still matches the shot, and discarding it.
//!
//! Whether a shot's generated clip still matches the shot. The cache key cannot answer that
//! cheaply: it includes the model package's fingerprint and the device, so computing it needs
//! the engine. The recipe is the shot's own part of the key (engine and generation settings,
//! prompts, seed, frame count, picture, motion, and the previous shot's clip when it
//! continues from it), hashed; a clip records the recipe it was made from, and comparing the
//! two needs no model, no device and no decoding, so export and the storyboard can ask.

use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use ts_rs::TS;

use super::cache::ResultCache;
use super::error::GenerateError;
use crate::project::{Project, ShotSource};

/// The recipe of shot `index` of `project`: 64 hex digits, `None` when there is no such shot.
pub fn shot_recipe(project: &Project, index: usize) -> Option<String> {
    let shot = project.shots.get(index)?;
    let generation = shot.generation();
    let source = match shot.source {
        ShotSource::Image => json!({ "image": shot.image }),
        ShotSource::PreviousShot => {
            let previous = index
                .checked_sub(1)
                .and_then(|i| project.shots[i].playing_result());
            json!({ "previous": previous })
        }
    };
    let doc = json!({
        "engine": generation.engine.name(),
        "model": generation.model,
        "steps": generation.steps,
        "guidance": generation.guidance.map(f32::to_bits),
        "shift": generation.shift.map(f32::to_bits),
        "strengths": [generation.t_weak, generation.t_strong],
        "size": generation.size,
        // The frame count follows the length at the package's rate when it is not set.
        "frames": generation.frames,
        "seconds": shot.seconds.to_bits(),
        "prompt": shot.prompt,
        "negative_prompt": shot.negative_prompt,
        "seed": shot.seed,
        "source": source,
        "motion": shot.motion,
    });
    let digest = Sha256::digest(doc.to_string().as_bytes());
    Some(digest.iter().map(|b| format!("{b:02x}")).collect())
}

/// Where a shot's generated clip stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export)]
pub enum ClipState {
    /// Nothing generated plays: the shot uses the warp engine, or has no result.
    None,
    /// The clip was made from the shot as it is now (or before clips recorded their recipe,
    /// so it cannot be told otherwise).
    Current,
    /// The shot changed since its clip was made (prompt, motion, picture, settings...).
    OutOfDate,
    /// The shot names a clip that is not in the project's cache (deleted, or a copied
    /// project without its cache).
    Missing,
}

/// Where the generated clip of shot `index` of `project` (kept in `cache`) stands.
pub fn clip_state(cache: &ResultCache, project: &Project, index: usize) -> ClipState {
    let Some(key) = project.shots.get(index).and_then(|s| s.playing_result()) else {
        return ClipState::None;
    };
    if !cache.contains(key) {
        return ClipState::Missing;
    }
    match (cache.recipe(key), shot_recipe(project, index)) {
        (Some(made), Some(now)) if made != now => ClipState::OutOfDate,
        _ => ClipState::Current,
    }
}

/// Every shot's [`ClipState`], in storyboard order.
pub fn clip_states(cache: &ResultCache, project: &Project) -> Vec<ClipState> {
    (0..project.shots.len())
        .map(|i| clip_state(cache, project, i))
        .collect()
}

/// Discards the generated clip of shot `index`: the shot forgets its result, so the warp
/// engine's frames play again. Returns the key it had. The clip's files stay in the cache:
/// undo can bring the result back, and generating the same settings again is instant.
pub fn discard_clip(project: &mut Project, index: usize) -> Result<String, GenerateError> {
    let count = project.shots.len();
    let shot = project
        .shots
        .get_mut(index)
        .ok_or(GenerateError::NoSuchShot {
            shot: index + 1,
            count,
        })?;
    shot.result.take().ok_or_else(|| GenerateError::NoClip {
        shot: index + 1,
        name: shot.name.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::{Engine, Generation, Shot};

    fn generated_project() -> Project {
        let mut p = Project::empty("p");
        let mut shot = Shot::new("a", "Kite");
        shot.image = Some("assets/a.png".into());
        shot.prompt = "a kite".into();
        shot.generation = Some(Generation {
            engine: Engine::WanImageToVideo,
            ..Generation::default()
        });
        shot.result = Some("ab12".into());
        p.shots.push(shot);
        p
    }

    #[test]
    fn a_changed_shot_makes_its_clip_out_of_date() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ResultCache::new(dir.path());
        let mut p = generated_project();
        assert_eq!(clip_state(&cache, &p, 0), ClipState::Missing);
        let frame = image::RgbImage::new(4, 2);
        let recipe = shot_recipe(&p, 0).unwrap();
        cache.store("ab12", 16, &[frame]).unwrap();
        assert_eq!(
            clip_state(&cache, &p, 0),
            ClipState::Current,
            "a clip without a recipe cannot be told out of date"
        );
        cache.record_recipe("ab12", &recipe).unwrap();
        assert_eq!(cache.recipe("ab12").as_deref(), Some(recipe.as_str()));
        assert_eq!(clip_state(&cache, &p, 0), ClipState::Current);

        p.shots[0].prompt = "a kite at dusk".into();
        assert_eq!(clip_state(&cache, &p, 0), ClipState::OutOfDate);
        p.shots[0].prompt = "a kite".into();
        let amount = p.shots[0].motion.camera.amount;
        p.shots[0].motion.camera.amount = 0.4;
        assert_eq!(clip_state(&cache, &p, 0), ClipState::OutOfDate);
        p.shots[0].motion.camera.amount = amount;
        p.shots[0].image = Some("assets/b.png".into());
        assert_eq!(clip_state(&cache, &p, 0), ClipState::OutOfDate);
        p.shots[0].image = Some("assets/a.png".into());
        // The name and the transition do not change what the model makes.
        p.shots[0].name = "Kite, renamed".into();
        p.shots[0].transition.seconds = 1.0;
        assert_eq!(clip_state(&cache, &p, 0), ClipState::Current);

        // The engine decides: back on warp, nothing generated plays.
        p.shots[0].generation = None;
        assert_eq!(clip_state(&cache, &p, 0), ClipState::None);
        assert_eq!(clip_states(&cache, &p), [ClipState::None]);
    }

    #[test]
    fn discarding_forgets_the_result_and_keeps_the_files() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ResultCache::new(dir.path());
        cache
            .store("ab12", 16, &[image::RgbImage::new(2, 2)])
            .unwrap();
        let mut p = generated_project();
        assert_eq!(discard_clip(&mut p, 0).unwrap(), "ab12");
        assert_eq!(p.shots[0].result, None);
        assert_eq!(clip_state(&cache, &p, 0), ClipState::None);
        assert!(cache.contains("ab12"));
        let again = discard_clip(&mut p, 0).unwrap_err().to_string();
        assert!(
            again.contains("shot 1 (Kite) has no generated clip"),
            "{again}"
        );
        assert!(discard_clip(&mut p, 3).is_err());
    }
}
