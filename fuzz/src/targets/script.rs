//! A scene script as the app and the CLI turn it into shots (`script::parse_script`,
//! `script::storyboard_from_script`). Whatever the text: an error, or a storyboard that is a
//! valid project (the app saves it next).

use std::path::Path;
use std::time::Duration;

use studio::project::store::validate;
use studio::project::{Project, MAX_SHOT_SECONDS, MIN_SHOT_SECONDS};
use studio::script::{parse_script, storyboard_from_script, MAX_SCRIPT_SHOTS};

use super::{answer, Target, TargetSpec};
use crate::mutate::Format;

pub const SPEC: TargetSpec = TargetSpec {
    name: "script",
    about: "the scene script parser: beats, scenes, transitions, shot sizes, durations",
    format: Format::Text,
    max_len: 16 << 10,
    time_limit: Duration::from_secs(2),
    extension: "txt",
    dictionary: &[
        b"Shot 3: ",
        b"Shot: ",
        "镜头 2：".as_bytes(),
        b"1. ",
        b"2) ",
        "3、".as_bytes(),
        b"- ",
        b"* ",
        "• ".as_bytes(),
        b"INT. KITCHEN - DAY\n",
        b"EXT. ",
        b"INT./EXT. ",
        "内景 厨房 日\n".as_bytes(),
        "外景 ".as_bytes(),
        "场景 ".as_bytes(),
        b"Scene 2: ",
        b"CUT TO:\n",
        b"DISSOLVE TO:\n",
        b"FADE OUT.\n",
        b"FADE IN:\n",
        "叠化\n".as_bytes(),
        "淡出\n".as_bytes(),
        b"MIA\n",
        b"MIA: ",
        b"close-up",
        b"CU ",
        b"close on ",
        b"tight on ",
        b"wide shot",
        "特写".as_bytes(),
        "全景".as_bytes(),
        b"tears",
        b"smiles",
        b"screams",
        "哭".as_bytes(),
        b"her eye",
        b"a ring",
        "戒指".as_bytes(),
        b"Mr. ",
        b"Dr. ",
        b"J. ",
        b"\n\n",
        "。".as_bytes(),
        "！".as_bytes(),
        "？".as_bytes(),
        b". ",
        b"! ",
        b"? ",
        b"\r\n",
        b"\t",
    ],
    make,
};

struct ScriptTarget;

fn make(_scratch: &Path) -> anyhow::Result<Box<dyn Target>> {
    Ok(Box::new(ScriptTarget))
}

impl Target for ScriptTarget {
    fn run(&mut self, input: &[u8]) -> Result<String, String> {
        // The app passes the text box's string; the CLI refuses a file that is not UTF-8.
        let text = String::from_utf8_lossy(input);
        let beats = parse_script(&text);
        if let Ok(beats) = &beats {
            if beats.len() > MAX_SCRIPT_SHOTS {
                return Err(format!("{} beats, above the limit", beats.len()));
            }
        }
        let project = Project::new("Script");
        let board = storyboard_from_script(&project, &text);
        if let Ok(board) = &board {
            if let Some(shot) = board
                .shots
                .iter()
                .find(|s| !(MIN_SHOT_SECONDS..=MAX_SHOT_SECONDS).contains(&s.seconds))
            {
                return Err(format!("a shot lasts {} s", shot.seconds));
            }
            let storyboard = Project {
                shots: board.shots.clone(),
                ..project
            };
            validate(Path::new("project.json"), &storyboard)
                .map_err(|e| format!("the storyboard is not a valid project: {e}"))?;
        }
        Ok(format!(
            "{}; beats {}",
            answer("storyboard", &board),
            beats.map_or(0, |b| b.len().min(10))
        ))
    }
}
