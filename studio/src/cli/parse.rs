//! Parsing the CLI's motion arguments: `--path "x,y x,y ..."`, `--static "x,y,r"` and
//! `--camera-key "t,x,y,zoom,roll"`.

use studio::motion::{CameraKey, Motion, MotionError, Point, StaticBrush};

fn number(text: &str, what: &str) -> Result<f32, String> {
    text.trim()
        .parse::<f32>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| format!("\"{text}\" in {what} is not a number"))
}

fn in_unit_range(v: f32, what: &str, text: &str) -> Result<f32, String> {
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!(
            "{what} \"{text}\": {v} is outside the image; coordinates are fractions of it, 0 to 1 from the top-left"
        ))
    }
}

/// `"x,y x,y ..."`: at least two points, each coordinate in 0..1.
pub fn path_points(text: &str) -> Result<Vec<Point>, String> {
    let points = text
        .split_whitespace()
        .map(|pair| {
            let (x, y) = pair
                .split_once(',')
                .ok_or_else(|| format!("--path \"{text}\": \"{pair}\" is not an x,y pair"))?;
            let x = in_unit_range(number(x, "--path")?, "--path", text)?;
            let y = in_unit_range(number(y, "--path")?, "--path", text)?;
            Ok(Point::new(x, y))
        })
        .collect::<Result<Vec<_>, String>>()?;
    if points.len() < 2 {
        return Err(format!(
            "--path \"{text}\" needs at least two points, e.g. --path \"0.2,0.5 0.8,0.5\""
        ));
    }
    Ok(points)
}

/// `"x,y,r"`: a disk that must not move.
pub fn static_disk(text: &str) -> Result<StaticBrush, String> {
    let parts: Vec<&str> = text.split(',').collect();
    let [x, y, r] = parts.as_slice() else {
        return Err(format!(
            "--static \"{text}\" must be x,y,r, e.g. --static \"0.5,0.1,0.2\""
        ));
    };
    let x = in_unit_range(number(x, "--static")?, "--static", text)?;
    let y = in_unit_range(number(y, "--static")?, "--static", text)?;
    let radius = number(r, "--static")?;
    if !(radius > 0.0 && radius <= 1.0) {
        return Err(format!(
            "--static \"{text}\": radius {radius} must be above 0 and at most 1 (a fraction of the image width)"
        ));
    }
    Ok(StaticBrush {
        points: vec![Point::new(x, y)],
        radius,
    })
}

/// `"t,x,y,zoom,roll"`: a camera key (checked in full, with the same ranges as a project's).
pub fn camera_key(text: &str) -> Result<CameraKey, String> {
    let parts: Vec<&str> = text.split(',').collect();
    let [t, x, y, zoom, roll] = parts.as_slice() else {
        return Err(format!(
            "--camera-key \"{text}\" must be t,x,y,zoom,roll, e.g. --camera-key \"0.5,0.6,0.4,1.5,0\" (at mid-shot, centred on 0.6,0.4, 1.5 times closer, level)"
        ));
    };
    let what = "--camera-key";
    let key = CameraKey {
        t: number(t, what)?,
        x: number(x, what)?,
        y: number(y, what)?,
        zoom: number(zoom, what)?,
        roll: number(roll, what)?,
    };
    // One key alone: the checks of a whole camera that only concern a single key.
    let mut motion = Motion::default();
    motion.camera.keys = vec![key];
    match motion.validate() {
        Ok(()) => Ok(key),
        Err(MotionError::BadCameraKey { problem, .. }) => {
            Err(format!("--camera-key \"{text}\": {problem}"))
        }
        Err(other) => Err(format!("--camera-key \"{text}\": {other}")),
    }
}

/// `"WIDTHxHEIGHT"` in pixels, e.g. `832x480`.
pub fn size(text: &str) -> Result<(u32, u32), String> {
    let bad = || format!("\"{text}\" must be WIDTHxHEIGHT in pixels, e.g. 832x480");
    let (w, h) = text.split_once(['x', 'X']).ok_or_else(bad)?;
    let w: u32 = w.trim().parse().map_err(|_| bad())?;
    let h: u32 = h.trim().parse().map_err(|_| bad())?;
    if w == 0 || h == 0 {
        return Err(bad());
    }
    Ok((w, h))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_parse_and_bad_ones_say_why() {
        let pts = path_points("0.2,0.5  0.5,0.4 0.8,0.5").unwrap();
        assert_eq!(pts.len(), 3);
        assert_eq!(pts[1], Point::new(0.5, 0.4));
        assert!(path_points("0.2,0.5").unwrap_err().contains("at least two"));
        assert!(path_points("0.2,0.5 1.3,0.5")
            .unwrap_err()
            .contains("outside the image"));
        assert!(path_points("0.2;0.5 0.3,0.5")
            .unwrap_err()
            .contains("not an x,y pair"));
        assert!(path_points("a,0.5 0.3,0.5")
            .unwrap_err()
            .contains("not a number"));
    }

    #[test]
    fn sizes_parse() {
        assert_eq!(size("832x480").unwrap(), (832, 480));
        assert!(size("832").unwrap_err().contains("WIDTHxHEIGHT"));
        assert!(size("0x480").is_err());
    }

    #[test]
    fn static_disks_parse() {
        let s = static_disk("0.5,0.1,0.2").unwrap();
        assert_eq!(s.points, vec![Point::new(0.5, 0.1)]);
        assert!(static_disk("0.5,0.1").is_err());
        assert!(static_disk("0.5,0.1,0").is_err());
    }

    #[test]
    fn camera_keys_parse_and_bad_ones_say_why() {
        let k = camera_key("0.5, 0.6,0.4,1.5,-10").unwrap();
        assert_eq!((k.t, k.x, k.y, k.zoom, k.roll), (0.5, 0.6, 0.4, 1.5, -10.0));
        assert!(camera_key("0.5,0.6,0.4")
            .unwrap_err()
            .contains("must be t,x,y,zoom,roll"));
        assert!(camera_key("1.5,0.5,0.5,1,0")
            .unwrap_err()
            .contains("outside the shot"));
        assert!(camera_key("0,0.5,0.5,0.8,0")
            .unwrap_err()
            .contains("zoom 0.8 must be between 1"));
        assert!(camera_key("0,0.5,0.5,1,x")
            .unwrap_err()
            .contains("not a number"));
    }
}
