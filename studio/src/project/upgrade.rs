//! Reading project files written by older versions: each step turns the JSON of version
//! `n` into version `n + 1`, so an old file goes through every step up to
//! [`SCHEMA_VERSION`] before serde sees it. Loading never writes: the file on disk stays in
//! its old version until the creator saves, which writes the current one.
//!
//! - 1 -> 2 (the storyboard): version 1 had one picture and motion per shot and nothing
//!   else. Version 2 adds per-shot source, prompts, shot size, seed, transition and subject
//!   links, and per-project audio clips and subjects. Every new field gets the value that
//!   means "as before": the shot's own picture, no prompt, a medium shot, seed 0, a cut, no
//!   sound, no subjects. Nothing is renamed or removed.
//! - 2 -> 3 (painted masks): a motion path may carry a painted `mask`; a path without one
//!   moves its disk, as every version 2 path did, so the step changes nothing. The version
//!   moves on so that a build that does not know masks refuses a file that has them instead
//!   of quietly moving disks.

use serde_json::{json, Map, Value};

use super::schema::SCHEMA_VERSION;

/// Upgrades the project JSON `value` of version `from` to [`SCHEMA_VERSION`]. `from` must be
/// between 1 and [`SCHEMA_VERSION`]; `Err` says what is wrong with the file.
pub fn upgrade(mut value: Value, from: u32) -> Result<Value, String> {
    if from == 0 || from > SCHEMA_VERSION {
        return Err(format!(
            "schema_version {from} is not a version Motionboard ever wrote"
        ));
    }
    for version in from..SCHEMA_VERSION {
        let object = value
            .as_object_mut()
            .ok_or("the file does not hold a project object")?;
        match version {
            1 => v1_to_v2(object)?,
            // Nothing to add: a path without a mask keeps its disk.
            2 => {}
            _ => unreachable!("every version below SCHEMA_VERSION has a step"),
        }
        object.insert("schema_version".into(), json!(version + 1));
    }
    Ok(value)
}

fn insert_missing(object: &mut Map<String, Value>, key: &str, value: Value) {
    object.entry(key).or_insert(value);
}

fn v1_to_v2(project: &mut Map<String, Value>) -> Result<(), String> {
    insert_missing(project, "audio", json!([]));
    insert_missing(project, "subjects", json!([]));
    let shots = project
        .get_mut("shots")
        .and_then(Value::as_array_mut)
        .ok_or("it has no list of shots")?;
    for (i, shot) in shots.iter_mut().enumerate() {
        let shot = shot
            .as_object_mut()
            .ok_or_else(|| format!("shot {} is not an object", i + 1))?;
        insert_missing(shot, "source", json!("image"));
        insert_missing(shot, "prompt", json!(""));
        insert_missing(shot, "negative_prompt", json!(""));
        insert_missing(shot, "shot_size", json!("medium"));
        insert_missing(shot, "seed", json!(0));
        insert_missing(shot, "transition", json!({"kind": "cut", "seconds": 0.0}));
        insert_missing(shot, "subjects", json!([]));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::schema::{Project, ShotSize, ShotSource, TransitionKind};

    #[test]
    fn a_version_1_project_gains_the_new_fields_and_keeps_the_old() {
        let v1 = json!({
            "schema_version": 1,
            "name": "Dog",
            "shots": [{
                "id": "shot-1", "name": "Run", "image": "assets/ab.png",
                "image_size": [640, 480], "seconds": 3.0,
                "motion": {"paths": [], "statics": [],
                           "camera": {"kind": "zoom-in", "amount": 0.3, "easing": "linear"}}
            }],
            "export": {"preset": "square", "fit": "blur"}
        });
        let v2 = upgrade(v1, 1).unwrap();
        assert_eq!(v2["schema_version"], SCHEMA_VERSION);
        let p: Project = serde_json::from_value(v2).unwrap();
        let s = &p.shots[0];
        assert_eq!(s.image.as_deref(), Some("assets/ab.png"));
        assert_eq!(s.image_size, Some((640, 480)));
        assert_eq!(s.seconds, 3.0);
        assert_eq!(s.motion.camera.amount, 0.3);
        assert_eq!(s.source, ShotSource::Image);
        assert_eq!(s.shot_size, ShotSize::Medium);
        assert_eq!(s.transition.kind, TransitionKind::Cut);
        assert!(p.audio.is_empty() && p.subjects.is_empty());
    }

    #[test]
    fn a_version_2_path_keeps_its_disk() {
        let v2 = json!({
            "schema_version": 2,
            "name": "Cat",
            "shots": [{
                "id": "shot-1", "name": "Head", "image": "assets/cd.png",
                "image_size": [450, 300], "seconds": 2.0,
                "motion": {"paths": [{"points": [{"x": 0.5, "y": 0.5}, {"x": 0.6, "y": 0.5}],
                                      "radius": 0.08}]}
            }],
            "export": {"preset": "square", "fit": "crop"}
        });
        let v3 = upgrade(v2, 2).unwrap();
        assert_eq!(v3["schema_version"], 3);
        let p: Project = serde_json::from_value(v3).unwrap();
        let path = &p.shots[0].motion.paths[0];
        assert_eq!((path.radius, path.mask.is_none()), (0.08, true));
    }

    #[test]
    fn impossible_versions_are_refused() {
        assert!(upgrade(json!({}), 0).is_err());
        assert!(upgrade(json!({"shots": 3}), 1).is_err());
        assert!(upgrade(json!([]), 1).is_err());
    }
}
