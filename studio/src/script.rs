//! Script to storyboard: a scene script pasted as text becomes one shot per beat, each with
//! the beat's text as its prompt and a shot size chosen by a simple, predictable rule.
//!
//! # What counts as a beat
//! - A line with a marker is one beat, whatever its sentences: `Shot 3: ...`, `Shot: ...`,
//!   `镜头 3：...`, numbered lines (`1. ...`, `2) ...`, `3、...`) and bullets (`- `, `* `, `• `).
//!   The beat runs on over the following unmarked lines until a blank line, the next marker
//!   or a scene heading (so `Shot 1:` alone on its line takes the description below it).
//! - Any other line is prose, split into sentences at `.` `!` `?` (followed by a space or the
//!   line's end; `Mr.`, `Dr.` and single initials do not end a sentence) and at `。！？`.
//!   A line that ends without a sentence mark and is followed by one starting in lower case
//!   is a wrapped line and joins it.
//! - Scene headings (`INT. KITCHEN - DAY`, `EXT. ...`, `INT./EXT. ...`, `Scene 2: ...`,
//!   `内景 厨房 日`, `外景 ...`, `场景 ...`) are not shots: they start a scene.
//! - Screenplay transitions (`CUT TO:`, `DISSOLVE TO:`, `FADE OUT.`, `叠化`, `淡出`...) set the
//!   transition from the beat before them into the next; `FADE IN:` is dropped.
//! - A character cue (a short line in capitals, like `MIA`) joins the dialogue under it:
//!   `MIA: I'm late.`
//!
//! # The shot-size rule (per scene; a script without headings is one scene)
//! 1. A beat that names its size keeps it: "close-up", "CU", "close on", "tight on", "wide
//!    shot", "特写", "全景"...
//! 2. The first beat of a scene establishes it: extreme long, or long for an interior (`INT.`,
//!    `内景`), where a vista makes no sense.
//! 3. An emotional beat (cries, tears, smiles, screams, whispers; 哭, 笑, 惊) is a close-up:
//!    the feeling is in the face, so "her eyes full of tears" frames the face. A beat about a
//!    small detail alone (an eye, a tear, lips, fingers, a ring; 眼, 唇, 戒指) is an extreme
//!    close-up.
//! 4. Otherwise the camera moves in: the second beat of a scene is a full shot, the rest are
//!    medium shots.
//!
//! Each shot lasts by its size (wide shots need time to read: 4 s; full and medium 3 s;
//! close-ups 2.5 s), plus 0.2 s for every word past the eighth (two CJK characters count as
//! a word), rounded to half seconds and at most 8 s.

use serde::{Deserialize, Serialize};
use thiserror::Error;
use ts_rs::TS;

use crate::project::{
    Project, Shot, ShotSize, ShotSource, Transition, TransitionKind, MIN_SHOT_SECONDS,
};

/// The most shots one script may add: beyond this the text is almost surely not a script
/// (a pasted book), and a storyboard strip of thousands of cards helps nobody.
pub const MAX_SCRIPT_SHOTS: usize = 200;

/// The longest shot the script rule gives (a creator can lengthen it afterwards).
const MAX_SCRIPT_SECONDS: f32 = 8.0;

#[derive(Debug, Error, PartialEq)]
pub enum ScriptError {
    #[error("the script has no action to make shots from; write one beat per line or sentence, or lines like \"Shot 1: a wide view of the harbour\"")]
    Empty,
    #[error(
        "the script makes {count} shots; one script adds at most {max}, so split it into parts"
    )]
    TooMany { count: usize, max: usize },
}

/// One beat of a script: what becomes one shot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ScriptBeat {
    /// The beat's text, which becomes the shot's prompt.
    pub text: String,
    pub shot_size: ShotSize,
    /// The heading of the scene it belongs to (`KITCHEN - DAY`), if the script has one.
    pub scene: Option<String>,
    /// The transition into the next beat (from a `DISSOLVE TO:` line and the like).
    pub transition: TransitionKind,
    pub seconds: f32,
}

/// A storyboard after a script: every shot, the project's own first, then the script's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ScriptShots {
    pub shots: Vec<Shot>,
    /// The index of the first shot the script added.
    pub first_new: u32,
    /// How many shots the script added.
    pub added: u32,
}

/// Where a scene happens, as its heading says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Interior,
    /// Exterior, or not said.
    Open,
}

/// A line of the script, classified.
#[derive(Debug, PartialEq)]
enum Line<'a> {
    Blank,
    Heading {
        name: String,
        place: Place,
    },
    Transition(Option<TransitionKind>),
    /// A marked beat's text (may be empty when the description follows on the next lines).
    Marked(&'a str),
    Cue(&'a str),
    Prose(&'a str),
}

/// A piece of the script after joining lines: a beat's worth of text or a scene event.
#[derive(Debug, PartialEq)]
enum Chunk {
    Heading {
        name: String,
        place: Place,
    },
    Transition(TransitionKind),
    /// One beat whatever its sentences.
    Beat(String),
    /// Text to split into sentences.
    Prose(String),
}

/// Reads a script into beats with their shot sizes; an empty script is an error.
pub fn parse_script(text: &str) -> Result<Vec<ScriptBeat>, ScriptError> {
    let mut beats: Vec<ScriptBeat> = Vec::new();
    let mut scene: Option<String> = None;
    // Where each scene's beats start, and where it happens.
    let mut scenes: Vec<(usize, Place)> = vec![(0, Place::Open)];
    for chunk in chunks(text) {
        match chunk {
            Chunk::Heading { name, place } => {
                scene = Some(name).filter(|n| !n.is_empty());
                let start = beats.len();
                // A scene without beats (the opening before the first heading, or a heading
                // straight after another) is replaced by this one.
                if scenes.last().is_some_and(|(s, _)| *s == start) {
                    scenes.pop();
                }
                scenes.push((start, place));
            }
            Chunk::Transition(kind) => {
                if let Some(last) = beats.last_mut() {
                    last.transition = kind;
                }
            }
            Chunk::Beat(text) => beats.push(beat(text, &scene)),
            Chunk::Prose(text) => {
                for sentence in sentences(&text) {
                    beats.push(beat(sentence, &scene));
                }
            }
        }
    }
    if beats.is_empty() {
        return Err(ScriptError::Empty);
    }
    if beats.len() > MAX_SCRIPT_SHOTS {
        return Err(ScriptError::TooMany {
            count: beats.len(),
            max: MAX_SCRIPT_SHOTS,
        });
    }
    for (n, &(start, place)) in scenes.iter().enumerate() {
        let end = scenes.get(n + 1).map_or(beats.len(), |(s, _)| *s);
        for (position, beat) in beats[start..end].iter_mut().enumerate() {
            beat.shot_size = size_for(&beat.text, position, place);
            beat.seconds = seconds_for(&beat.text, beat.shot_size);
        }
    }
    Ok(beats)
}

fn beat(text: String, scene: &Option<String>) -> ScriptBeat {
    ScriptBeat {
        text,
        shot_size: ShotSize::Medium,
        scene: scene.clone(),
        transition: TransitionKind::Cut,
        seconds: MIN_SHOT_SECONDS,
    }
}

/// The storyboard once `text` is added to `project`: its shots, then one per beat.
///
/// The new shots go after the existing ones, except that a project holding only one blank
/// shot (the one a new project starts with) has it replaced, so pasting a script into a
/// new project gives exactly the script's shots.
///
/// Pictures: no new shot takes another shot's picture (nor continues from the shot before
/// it): a close-up that showed the establishing frame would be wrong in a way that is easy to
/// miss. Each new shot waits for its own picture.
///
/// Subjects: a beat that names a subject of the project's library (its name as whole words,
/// ignoring case) links the shot to it.
pub fn storyboard_from_script(project: &Project, text: &str) -> Result<ScriptShots, ScriptError> {
    let beats = parse_script(text)?;
    let mut board = project.clone();
    if let [only] = board.shots.as_slice() {
        if is_blank(only) {
            board.shots.clear();
        }
    }
    let first_new = board.shots.len();
    for beat in &beats {
        let position = board.shots.len();
        let mut shot = Shot::new(board.fresh_id("shot"), format!("Shot {}", position + 1));
        shot.prompt = beat.text.clone();
        shot.shot_size = beat.shot_size;
        shot.seconds = beat.seconds;
        shot.transition = Transition {
            kind: beat.transition,
            seconds: match beat.transition {
                TransitionKind::Cut => 0.0,
                TransitionKind::Crossfade => 0.5,
                TransitionKind::Dip => 1.0,
            },
        };
        shot.subjects = board
            .subjects
            .iter()
            .filter(|subject| names(&beat.text, &subject.name))
            .map(|subject| subject.id.clone())
            .collect();
        board.shots.push(shot);
    }
    Ok(ScriptShots {
        first_new: to_u32(first_new),
        added: to_u32(beats.len()),
        shots: board.shots,
    })
}

/// Whether `text` names `name`: its words in a row, ignoring case (so "Mia" is in "Mia's
/// hand" but not in "Miami"); a name in CJK characters anywhere in the text.
fn names(text: &str, name: &str) -> bool {
    let name = name.trim();
    if name.is_empty() {
        return false;
    }
    if name.chars().any(is_cjk) {
        return text.contains(name);
    }
    let wanted = words(name);
    let words = words(text);
    !wanted.is_empty() && words.windows(wanted.len()).any(|w| w == wanted.as_slice())
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A shot nobody has touched: no picture, prompt, motion or subjects.
fn is_blank(shot: &Shot) -> bool {
    shot.image.is_none()
        && shot.source == ShotSource::Image
        && shot.prompt.trim().is_empty()
        && shot.negative_prompt.trim().is_empty()
        && shot.motion.paths.is_empty()
        && shot.motion.statics.is_empty()
        && shot.subjects.is_empty()
}

// ---- lines ----

fn chunks(text: &str) -> Vec<Chunk> {
    let mut out: Vec<Chunk> = Vec::new();
    // The beat being collected: Some(true) for a marked beat, Some(false) for prose.
    let mut open: Option<bool> = None;
    let mut text_so_far = String::new();
    let mut cue: Option<&str> = None;

    fn flush(out: &mut Vec<Chunk>, open: &mut Option<bool>, text: &mut String) {
        let t = std::mem::take(text);
        let t = t.trim();
        match open.take() {
            Some(true) if has_words(t) => out.push(Chunk::Beat(t.to_string())),
            Some(false) if has_words(t) => out.push(Chunk::Prose(t.to_string())),
            _ => {}
        }
    }

    for raw in text.lines() {
        match classify(raw) {
            Line::Blank => {
                flush(&mut out, &mut open, &mut text_so_far);
                cue = None;
            }
            Line::Heading { name, place } => {
                flush(&mut out, &mut open, &mut text_so_far);
                cue = None;
                out.push(Chunk::Heading { name, place });
            }
            Line::Transition(kind) => {
                flush(&mut out, &mut open, &mut text_so_far);
                cue = None;
                if let Some(kind) = kind {
                    out.push(Chunk::Transition(kind));
                }
            }
            Line::Marked(t) => {
                flush(&mut out, &mut open, &mut text_so_far);
                cue = None;
                open = Some(true);
                text_so_far.push_str(t);
            }
            Line::Cue(name) => {
                flush(&mut out, &mut open, &mut text_so_far);
                cue = Some(name);
            }
            Line::Prose(t) => {
                if let Some(name) = cue.take() {
                    // Dialogue: the whole speech is one beat, said by its speaker.
                    flush(&mut out, &mut open, &mut text_so_far);
                    open = Some(true);
                    text_so_far = format!("{}: {t}", title_case(name));
                    continue;
                }
                match open {
                    Some(true) => {
                        join(&mut text_so_far, t);
                    }
                    Some(false) if continues(&text_so_far, t) => join(&mut text_so_far, t),
                    _ => {
                        flush(&mut out, &mut open, &mut text_so_far);
                        open = Some(false);
                        text_so_far.push_str(t);
                    }
                }
            }
        }
    }
    flush(&mut out, &mut open, &mut text_so_far);
    out
}

fn join(text: &mut String, more: &str) {
    if !text.is_empty() && !ends_cjk(text) {
        text.push(' ');
    }
    text.push_str(more);
}

fn ends_cjk(text: &str) -> bool {
    text.chars().last().is_some_and(is_cjk)
}

/// Whether prose line `next` carries on the sentence of `so_far` (a wrapped line).
fn continues(so_far: &str, next: &str) -> bool {
    let ended = so_far
        .trim_end_matches(CLOSERS)
        .ends_with(['.', '!', '?', '。', '！', '？', '…', ':', '：']);
    !ended && next.chars().next().is_some_and(char::is_lowercase)
}

fn classify(raw: &str) -> Line<'_> {
    let line = raw.trim().trim_start_matches('\u{feff}');
    if line.is_empty() {
        return Line::Blank;
    }
    if let Some(heading) = heading(line) {
        return heading;
    }
    if let Some(kind) = transition(line) {
        return Line::Transition(kind);
    }
    if let Some(text) = marked(line) {
        return Line::Marked(text.trim());
    }
    if is_cue(line) {
        return Line::Cue(line);
    }
    Line::Prose(line)
}

/// `prefix` at the start of `line`, ignoring ASCII case.
fn strip_prefix_ci<'a>(line: &'a str, prefix: &str) -> Option<&'a str> {
    let head = line.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &line[prefix.len()..])
}

fn heading(line: &str) -> Option<Line<'static>> {
    const INTERIOR: [&str; 2] = ["INT.", "内景"];
    const OPEN: [&str; 5] = ["INT./EXT.", "INT/EXT.", "I/E.", "EXT.", "外景"];
    let name = |rest: &str| {
        rest.trim_matches(|c: char| c.is_whitespace() || matches!(c, '.' | ':' | '：' | '-' | '—'))
            .to_string()
    };
    // The longer "INT./EXT." must be tried before "INT.".
    for prefix in OPEN {
        if let Some(rest) = strip_prefix_ci(line, prefix) {
            return Some(Line::Heading {
                name: name(rest),
                place: Place::Open,
            });
        }
    }
    for prefix in INTERIOR {
        if let Some(rest) = strip_prefix_ci(line, prefix) {
            return Some(Line::Heading {
                name: name(rest),
                place: Place::Interior,
            });
        }
    }
    // "INT KITCHEN" without the dot, only in capitals (so prose like "Int..." is safe).
    for (prefix, place) in [("INT ", Place::Interior), ("EXT ", Place::Open)] {
        if let Some(rest) = line.strip_prefix(prefix) {
            return Some(Line::Heading {
                name: name(rest),
                place,
            });
        }
    }
    // "Scene 2: The harbour", "Scene: ...", "场景三 码头"; not "Scene opens on...".
    if let Some(rest) = strip_prefix_ci(line, "scene").or_else(|| line.strip_prefix("场景")) {
        let rest = rest.trim_start();
        let numbered = rest
            .chars()
            .next()
            .is_none_or(|c| c.is_ascii_digit() || is_cjk_numeral(c) || ":：".contains(c));
        if numbered {
            let rest = rest.trim_start_matches(|c: char| c.is_ascii_digit() || is_cjk_numeral(c));
            return Some(Line::Heading {
                name: name(rest),
                place: Place::Open,
            });
        }
    }
    None
}

/// A screenplay transition line: `Some(None)` for one that is dropped (FADE IN).
fn transition(line: &str) -> Option<Option<TransitionKind>> {
    let words: String = line
        .trim_end_matches([':', '：', '.', '。'])
        .trim()
        .to_uppercase();
    let kind = match words.as_str() {
        "CUT TO" | "SMASH CUT TO" | "HARD CUT TO" | "CUT" | "切至" | "切到" => {
            Some(TransitionKind::Cut)
        }
        "DISSOLVE TO" | "DISSOLVE" | "CROSSFADE TO" | "CROSSFADE" | "叠化" | "叠化至" => {
            Some(TransitionKind::Crossfade)
        }
        "FADE OUT" | "FADE TO BLACK" | "FADE TO" | "DIP TO BLACK" | "淡出" | "黑场" | "渐隐" => {
            Some(TransitionKind::Dip)
        }
        "FADE IN" | "淡入" | "渐显" => None,
        _ => return None,
    };
    Some(kind)
}

/// The text after a beat marker, if the line has one.
fn marked(line: &str) -> Option<&str> {
    // Bullets.
    for bullet in ["- ", "* ", "• ", "– ", "— ", "· "] {
        if let Some(rest) = line.strip_prefix(bullet) {
            return Some(rest);
        }
    }
    // "Shot 3: ...", "Shot: ...", "SHOT #3 - ...", "镜头3：...".
    let after_word = strip_prefix_ci(line, "shot").or_else(|| line.strip_prefix("镜头"));
    if let Some(rest) = after_word {
        let rest = rest.trim_start();
        let rest = rest.strip_prefix('#').unwrap_or(rest);
        let rest = rest.trim_start_matches(|c: char| c.is_ascii_digit() || is_cjk_numeral(c));
        let rest = rest.trim_start();
        for sep in [':', '：', '.', '-', '–', '—', ')', '、'] {
            if let Some(text) = rest.strip_prefix(sep) {
                return Some(text);
            }
        }
        return None;
    }
    // "1. ...", "2) ...", "3、...", "4: ...".
    let digits = line.len() - line.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    if digits > 0 && digits <= 3 {
        let rest = &line[digits..];
        for sep in ['、', '：', ')', '.', ':'] {
            if let Some(text) = rest.strip_prefix(sep) {
                // "3.5 seconds later" is prose: an ASCII mark needs a space after it.
                let cjk_mark = matches!(sep, '、' | '：');
                if cjk_mark || text.is_empty() || text.starts_with(char::is_whitespace) {
                    return Some(text);
                }
            }
        }
    }
    None
}

fn is_cjk_numeral(c: char) -> bool {
    "一二三四五六七八九十百零".contains(c)
}

/// A character cue: a short line in capitals with no sentence mark (`MIA`, `OLD FISHERMAN`).
fn is_cue(line: &str) -> bool {
    let words = line.split_whitespace().count();
    let letters = line.chars().filter(|c| c.is_alphabetic()).count();
    letters >= 2
        && words <= 4
        && !line.chars().any(char::is_lowercase)
        && line
            .chars()
            .all(|c| c.is_ascii_alphabetic() || " '.-()".contains(c))
        && !line.ends_with('.')
}

fn title_case(name: &str) -> String {
    name.split_whitespace()
        .map(|w| {
            let mut chars = w.chars();
            match chars.next() {
                Some(first) => first.to_string() + &chars.as_str().to_lowercase(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

// ---- sentences ----

/// Closing quotes and brackets that stay with the sentence they end.
const CLOSERS: &[char] = &['"', '\'', '”', '’', ')', '）', '」', '』', '》', ']'];

/// Words after which a full stop does not end the sentence.
const ABBREVIATIONS: [&str; 10] = [
    "mr", "mrs", "ms", "dr", "st", "vs", "etc", "jr", "sr", "prof",
];

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3000..=0x303f | 0x3040..=0x30ff | 0x3400..=0x4dbf | 0x4e00..=0x9fff | 0xf900..=0xfaff | 0xff00..=0xffef)
}

/// Splits prose into sentences (each trimmed, without empty ones).
fn sentences(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut current = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        current.push(c);
        i += 1;
        let full_width = matches!(c, '。' | '！' | '？');
        let ascii = matches!(c, '.' | '!' | '?' | '…');
        if !(full_width || ascii) {
            continue;
        }
        // Runs like "?!" or "...", then closing quotes, stay with the sentence.
        while i < chars.len() && matches!(chars[i], '.' | '!' | '?' | '…' | '。' | '！' | '？')
        {
            current.push(chars[i]);
            i += 1;
        }
        while i < chars.len() && CLOSERS.contains(&chars[i]) {
            current.push(chars[i]);
            i += 1;
        }
        let at_break = i >= chars.len() || chars[i].is_whitespace() || is_cjk(chars[i]);
        // "“Who's there?” she asks": a lower-case word after the mark carries the sentence on.
        let carries_on = chars[i..]
            .iter()
            .find(|c| !c.is_whitespace())
            .is_some_and(|c| c.is_lowercase());
        let abbreviation = c == '.' && is_abbreviation(&current);
        if full_width || (at_break && !carries_on && !abbreviation) {
            push_sentence(&mut out, &mut current);
        }
    }
    push_sentence(&mut out, &mut current);
    out
}

fn push_sentence(out: &mut Vec<String>, current: &mut String) {
    let s = std::mem::take(current);
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if has_words(&s) {
        out.push(s);
    }
}

/// Whether the text so far ends with an abbreviation or an initial ("Dr.", "J.").
fn is_abbreviation(text: &str) -> bool {
    let word = text
        .trim_end_matches('.')
        .rsplit(|c: char| !c.is_alphabetic())
        .next()
        .unwrap_or("");
    let single_capital = word.chars().count() == 1 && word.chars().all(char::is_uppercase);
    single_capital || ABBREVIATIONS.contains(&word.to_lowercase().as_str())
}

fn has_words(text: &str) -> bool {
    text.chars().any(char::is_alphanumeric)
}

// ---- shot sizes ----

/// Lower-case words of `text` (letters and digits; apostrophes and hyphens split).
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric() || is_cjk(c))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// A size the beat names itself, most specific first.
fn named_size(text: &str) -> Option<ShotSize> {
    let lower = text.to_lowercase();
    let words = words(text);
    let has_word = |w: &str| words.iter().any(|x| x == w);
    let has = |phrases: &[&str]| phrases.iter().any(|p| lower.contains(p));
    if has(&[
        "extreme close-up",
        "extreme close up",
        "extreme closeup",
        "大特写",
    ]) || has_word("ecu")
    {
        return Some(ShotSize::ExtremeCloseUp);
    }
    // "Close on her hand", "tight on the ring": screenplay directions for a close-up.
    let close_on = [
        "close on ",
        "closer on ",
        "tight on ",
        "push in on ",
        "closing in on ",
    ]
    .iter()
    .any(|p| lower.starts_with(p) || lower.contains(&format!(", {p}")));
    if has(&["close-up", "close up", "closeup", "特写", "近景"]) || has_word("cu") || close_on {
        return Some(ShotSize::CloseUp);
    }
    if has(&[
        "extreme long shot",
        "extreme wide",
        "aerial",
        "大远景",
        "航拍",
    ]) || has_word("els")
    {
        return Some(ShotSize::ExtremeLong);
    }
    if has(&["long shot", "wide shot", "远景"]) || has_word("ls") || has_word("ws") {
        return Some(ShotSize::Long);
    }
    if has(&["full shot", "full-body", "full body", "全景", "全身"]) {
        return Some(ShotSize::Full);
    }
    if has(&["medium shot", "mid shot", "mid-shot", "中景"]) {
        return Some(ShotSize::Medium);
    }
    None
}

/// English word beginnings of emotional beats (matched at the start of a word).
const EMOTION_STEMS: [&str; 34] = [
    "smil", "laugh", "scream", "terrif", "trembl", "embrac", "griev", "realis", "realiz",
    "whisper", "despair", "lonel", "nervous", "anxious", "hesita", "panic", "shiver", "blush",
    "sorrow", "mourn", "furious", "horrif", "weep", "gasp", "glare", "stare", "kiss", "love",
    "heart", "grief", "anger", "angry", "afraid", "fear",
];
/// Short emotional words, matched whole (as stems they would catch "saddle", "cryptic").
const EMOTION_WORDS: [&str; 14] = [
    "cry", "cries", "cried", "crying", "sob", "sobs", "sobbing", "sad", "joy", "hug", "hugs",
    "grin", "grins", "tears",
];
const EMOTION_CJK: [&str; 20] = [
    "哭", "泪", "笑", "怕", "惊", "吻", "爱", "怒", "颤", "抖", "喊", "悲", "伤心", "哀", "喜",
    "凝视", "心碎", "慌", "羞", "愣",
];
/// Small details that need the frame to themselves.
const DETAIL_WORDS: [&str; 16] = [
    "eye",
    "eyes",
    "tear",
    "tears",
    "teardrop",
    "lip",
    "lips",
    "pupil",
    "pupils",
    "finger",
    "fingers",
    "fingertip",
    "fingertips",
    "ring",
    "keyhole",
    "trigger",
];
const DETAIL_CJK: [&str; 5] = ["眼", "唇", "指尖", "戒指", "手指"];

fn is_detail(text: &str) -> bool {
    let words = words(text);
    words.iter().any(|w| DETAIL_WORDS.contains(&w.as_str()))
        || DETAIL_CJK.iter().any(|d| text.contains(d))
}

fn is_emotional(text: &str) -> bool {
    let words = words(text);
    words.iter().any(|w| {
        EMOTION_WORDS.contains(&w.as_str()) || EMOTION_STEMS.iter().any(|s| w.starts_with(s))
    }) || EMOTION_CJK.iter().any(|e| text.contains(e))
}

/// The rule in the module's documentation: `position` is the beat's place in its scene.
fn size_for(text: &str, position: usize, place: Place) -> ShotSize {
    if let Some(size) = named_size(text) {
        return size;
    }
    if position == 0 {
        return match place {
            Place::Interior => ShotSize::Long,
            Place::Open => ShotSize::ExtremeLong,
        };
    }
    if is_emotional(text) {
        return ShotSize::CloseUp;
    }
    if is_detail(text) {
        return ShotSize::ExtremeCloseUp;
    }
    if position == 1 {
        ShotSize::Full
    } else {
        ShotSize::Medium
    }
}

/// How long a shot of `size` showing `text` lasts (see the module's documentation).
fn seconds_for(text: &str, size: ShotSize) -> f32 {
    let base: f32 = match size {
        ShotSize::ExtremeLong | ShotSize::Long => 4.0,
        ShotSize::Full | ShotSize::Medium => 3.0,
        ShotSize::CloseUp | ShotSize::ExtremeCloseUp => 2.5,
    };
    let cjk = text
        .chars()
        .filter(|c| is_cjk(*c) && c.is_alphanumeric())
        .count();
    let latin = words(text).len();
    let count = latin + cjk.div_ceil(2);
    let extra = count.saturating_sub(8) as f32 * 0.2;
    let seconds = ((base + extra) * 2.0).round() / 2.0;
    seconds.clamp(MIN_SHOT_SECONDS, MAX_SCRIPT_SECONDS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ShotSize::*;

    fn texts(beats: &[ScriptBeat]) -> Vec<&str> {
        beats.iter().map(|b| b.text.as_str()).collect()
    }

    fn sizes(beats: &[ScriptBeat]) -> Vec<ShotSize> {
        beats.iter().map(|b| b.shot_size).collect()
    }

    #[test]
    fn numbered_lines_are_one_beat_each_even_with_two_sentences() {
        let beats = parse_script(
            "1. A fishing village wakes under a pale sky.\n\
             2) Mia walks along the pier. She carries a basket.\n\
             3、She talks with an old fisherman.\n\
             4. Tears fill her eyes as she smiles.",
        )
        .unwrap();
        assert_eq!(
            texts(&beats),
            [
                "A fishing village wakes under a pale sky.",
                "Mia walks along the pier. She carries a basket.",
                "She talks with an old fisherman.",
                "Tears fill her eyes as she smiles.",
            ]
        );
        assert_eq!(sizes(&beats), [ExtremeLong, Full, Medium, CloseUp]);
        assert!(beats.iter().all(|b| b.scene.is_none()));
    }

    #[test]
    fn shot_lines_with_and_without_numbers_and_a_description_below() {
        let beats = parse_script(
            "Shot 1: The harbour at dawn.\n\
             SHOT #2 - A gull lands on a post.\n\
             Shot: Mia laughs at the gull.\n\
             \n\
             Shot 4:\n\
             A close-up of the rope\n\
             sliding off the post.\n\
             Shots ring out in the distance.",
        )
        .unwrap();
        assert_eq!(
            texts(&beats),
            [
                "The harbour at dawn.",
                "A gull lands on a post.",
                "Mia laughs at the gull.",
                // a marked beat runs on over the unmarked lines under it
                "A close-up of the rope sliding off the post. Shots ring out in the distance.",
            ]
        );
        assert_eq!(sizes(&beats), [ExtremeLong, Full, CloseUp, CloseUp]);
    }

    #[test]
    fn scene_headings_start_scenes_and_set_the_establishing_size() {
        let beats = parse_script(
            "FADE IN:\n\
             \n\
             EXT. HARBOUR - DAWN\n\
             \n\
             Boats rock on grey water. Mia hurries down the quay.\n\
             \n\
             INT. KITCHEN - DAY\n\
             \n\
             Mia pours coffee. Her mother watches from the door. Mia stares at the letter.\n\
             \n\
             DISSOLVE TO:\n\
             \n\
             INT./EXT. CAR - NIGHT\n\
             Rain streaks the windscreen.",
        )
        .unwrap();
        assert_eq!(beats.len(), 6, "{beats:#?}");
        assert_eq!(
            sizes(&beats),
            [ExtremeLong, Full, Long, Full, CloseUp, ExtremeLong]
        );
        let scenes: Vec<_> = beats.iter().map(|b| b.scene.as_deref()).collect();
        assert_eq!(
            scenes,
            [
                Some("HARBOUR - DAWN"),
                Some("HARBOUR - DAWN"),
                Some("KITCHEN - DAY"),
                Some("KITCHEN - DAY"),
                Some("KITCHEN - DAY"),
                Some("CAR - NIGHT"),
            ]
        );
        // DISSOLVE TO: joins the kitchen's last beat to the car.
        assert_eq!(beats[4].transition, TransitionKind::Crossfade);
        assert_eq!(beats[3].transition, TransitionKind::Cut);
    }

    #[test]
    fn prose_splits_into_sentences_keeping_abbreviations_and_wrapped_lines() {
        let beats = parse_script(
            "Dr. Lee opens the shutters and the light of the old town\n\
             falls across the room. \"Who's there?\" she asks! The cat jumps down...\n\
             It is 3.5 km to the sea. J. Smith waves",
        )
        .unwrap();
        assert_eq!(
            texts(&beats),
            [
                "Dr. Lee opens the shutters and the light of the old town falls across the room.",
                "\"Who's there?\" she asks!",
                "The cat jumps down...",
                "It is 3.5 km to the sea.",
                "J. Smith waves",
            ]
        );
    }

    #[test]
    fn lines_without_marks_are_a_beat_each_and_blank_lines_do_not_count() {
        let beats =
            parse_script("\n\n  Mia wakes up\nShe makes coffee\n\n\n   \nThe phone rings\n")
                .unwrap();
        assert_eq!(
            texts(&beats),
            ["Mia wakes up", "She makes coffee", "The phone rings"]
        );
    }

    #[test]
    fn chinese_punctuation_splits_sentences() {
        let beats =
            parse_script("内景 厨房 日\n\n妈妈在做早饭。小美走进来！她看着桌上的信？她哭了。")
                .unwrap();
        assert_eq!(
            texts(&beats),
            [
                "妈妈在做早饭。",
                "小美走进来！",
                "她看着桌上的信？",
                "她哭了。"
            ]
        );
        assert_eq!(sizes(&beats), [Long, Full, Medium, CloseUp]);
        assert_eq!(beats[0].scene.as_deref(), Some("厨房 日"));
    }

    #[test]
    fn chinese_shot_lines_and_named_sizes() {
        let beats = parse_script(
            "镜头一：海边的小镇，大远景。\n镜头2：特写，她的手。\n3、中景，两人对话。",
        )
        .unwrap();
        assert_eq!(
            texts(&beats),
            ["海边的小镇，大远景。", "特写，她的手。", "中景，两人对话。"]
        );
        assert_eq!(sizes(&beats), [ExtremeLong, CloseUp, Medium]);
    }

    #[test]
    fn a_named_size_wins_even_for_the_first_beat() {
        let beats = parse_script("Close-up on the bell.\nWide shot: the square fills with people.")
            .unwrap();
        assert_eq!(sizes(&beats), [CloseUp, Long]);
    }

    #[test]
    fn dialogue_under_a_character_cue_is_one_beat() {
        let beats =
            parse_script("INT. OFFICE - DAY\nThe phone rings.\n\nMIA\nI'm late. Again.\n").unwrap();
        assert_eq!(texts(&beats), ["The phone rings.", "Mia: I'm late. Again."]);
    }

    #[test]
    fn an_empty_script_is_an_error_and_a_huge_one_is_refused() {
        assert_eq!(parse_script(""), Err(ScriptError::Empty));
        assert_eq!(
            parse_script(" \n\n...\nFADE IN:\nINT. ROOM\n"),
            Err(ScriptError::Empty)
        );
        let long = "A beat.\n".repeat(MAX_SCRIPT_SHOTS + 1);
        assert_eq!(
            parse_script(&long),
            Err(ScriptError::TooMany {
                count: MAX_SCRIPT_SHOTS + 1,
                max: MAX_SCRIPT_SHOTS
            })
        );
    }

    #[test]
    fn longer_beats_last_longer_and_wide_shots_longer_than_close_ups() {
        let beats = parse_script(
            "A city.\nMia walks.\nShe cries.\nMia walks through the crowded market past stalls of fruit, fish, spices, silk and old books.",
        )
        .unwrap();
        let secs: Vec<f32> = beats.iter().map(|b| b.seconds).collect();
        assert_eq!(secs[0], 4.0);
        assert_eq!(secs[1], 3.0);
        assert_eq!(secs[2], 2.5);
        assert!(secs[3] > 3.0 && secs[3] <= MAX_SCRIPT_SECONDS, "{secs:?}");
    }

    fn project_with(shots: Vec<Shot>) -> Project {
        Project {
            shots,
            ..Project::empty("p")
        }
    }

    #[test]
    fn a_new_projects_blank_shot_is_replaced_and_each_shot_waits_for_its_picture() {
        let project = Project::new("p");
        let board = storyboard_from_script(&project, "One.\nTwo.\nThree.").unwrap();
        assert_eq!((board.first_new, board.added), (0, 3));
        assert_eq!(board.shots.len(), 3);
        let names: Vec<_> = board.shots.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["Shot 1", "Shot 2", "Shot 3"]);
        for shot in &board.shots {
            assert_eq!(shot.source, ShotSource::Image);
            assert!(shot.image.is_none());
        }
        let ids: std::collections::HashSet<_> = board.shots.iter().map(|s| &s.id).collect();
        assert_eq!(ids.len(), 3, "ids are unique");
        // The result is a valid project.
        let mut p = project.clone();
        p.shots = board.shots;
        crate::project::store::validate(std::path::Path::new("project.json"), &p).unwrap();
    }

    #[test]
    fn new_shots_take_no_other_shots_picture_and_follow_existing_shots() {
        let mut first = Shot::new("shot-1", "Opening");
        first.image = Some("assets/a.png".into());
        first.image_size = Some((640, 480));
        let mut second = Shot::new("shot-2", "Middle");
        second.prompt = "kept".into();
        let project = project_with(vec![first, second]);
        let board = storyboard_from_script(&project, "- Mia runs.\n- Mia cries.").unwrap();
        assert_eq!((board.first_new, board.added), (2, 2));
        assert_eq!(board.shots[..2], project.shots[..]);
        for shot in &board.shots[2..] {
            assert_eq!(shot.source, ShotSource::Image);
            assert_eq!(shot.image, None);
            assert_eq!(shot.image_size, None);
            assert!(!project.shots.iter().any(|s| s.id == shot.id));
        }
        assert_eq!(board.shots[2].name, "Shot 3");
        assert_eq!(board.shots[3].prompt, "Mia cries.");
        assert_eq!(board.shots[3].shot_size, CloseUp);
    }

    #[test]
    fn subjects_named_in_a_beat_are_linked() {
        let mut project = Project::empty("p");
        for (id, name) in [("mia", "Mia"), ("old", "Old Fisherman"), ("cat", "小猫")] {
            project.subjects.push(crate::project::Subject {
                id: id.into(),
                name: name.into(),
                images: Vec::new(),
            });
        }
        let script = "- Mia walks to the pier.\n- The old fisherman waves at Mia's boat.\n\
                      - Miami at night.\n- 小猫跳上船。";
        let board = storyboard_from_script(&project, script).unwrap();
        let linked: Vec<Vec<&str>> = board
            .shots
            .iter()
            .map(|s| s.subjects.iter().map(String::as_str).collect())
            .collect();
        assert_eq!(
            linked,
            [vec!["mia"], vec!["mia", "old"], vec![], vec!["cat"]]
        );
    }

    #[test]
    fn close_on_a_detail_and_eyes_full_of_tears_frame_close() {
        let beats = parse_script(
            "EXT. STATION - NIGHT\n\
             The train pulls in.\n\
             Close on her gloved hand.\n\
             Her eyes full of tears.\n\
             A single tear on the ticket.\n\
             Tight on the ring.",
        )
        .unwrap();
        assert_eq!(
            sizes(&beats),
            [ExtremeLong, CloseUp, CloseUp, ExtremeCloseUp, CloseUp]
        );
    }

    #[test]
    fn transitions_carry_their_default_lengths() {
        let board = storyboard_from_script(
            &Project::empty("p"),
            "One.\nDISSOLVE TO:\nTwo.\nFADE OUT.\nThree.",
        )
        .unwrap();
        let t: Vec<_> = board.shots.iter().map(|s| s.transition).collect();
        assert_eq!(t[0].kind, TransitionKind::Crossfade);
        assert_eq!(t[0].seconds, 0.5);
        assert_eq!(t[1].kind, TransitionKind::Dip);
        assert_eq!(t[1].seconds, 1.0);
        assert_eq!(t[2].kind, TransitionKind::Cut);
    }
}
