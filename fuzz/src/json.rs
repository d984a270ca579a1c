//! Structure-aware mutations of a JSON document: a node chosen at random changes type, gets an
//! extreme number (huge, negative, below zero, fractional, beyond f32 so it becomes infinite
//! when read as one), a long or hostile string, loses or gains keys and elements, is nested
//! deeply, or is replaced by a node of another document. Most mutants stay valid JSON, so
//! they reach the code behind the JSON parser.

use serde_json::{json, Map, Number, Value};

use crate::rng::Rng;

const STRINGS: [&str; 12] = [
    "",
    " ",
    "0",
    "-1",
    "null",
    "../../../../etc/passwd",
    "/absolute/path",
    "C:\\windows",
    "\u{0}",
    "\u{202e}evil",
    "ß漢字🎬",
    "assets/../../x",
];

fn interesting_numbers(old: Option<&Number>) -> Vec<Number> {
    let mut out: Vec<Number> = [0u64, 1, 2, 3, 7, 255, 256, 65_535, 65_536, 4_294_967_295]
        .into_iter()
        .map(Number::from)
        .chain([4_294_967_296u64, u64::MAX, 9_007_199_254_740_993].map(Number::from))
        .chain([-1i64, -2, i64::MIN, i64::MAX, -4_294_967_296].map(Number::from))
        .collect();
    let floats = [
        0.5,
        -0.5,
        -0.0,
        1e-7,
        5e-324,
        1e39,
        -1e39,
        3.5e38,
        f64::MAX,
        -f64::MAX,
        1e15,
        0.1,
    ];
    out.extend(floats.into_iter().filter_map(Number::from_f64));
    if let Some(v) = old.and_then(Number::as_f64) {
        let near = [
            v + 1.0,
            v - 1.0,
            -v,
            v * 2.0,
            v * 1000.0,
            v / 3.0,
            v.trunc(),
        ];
        out.extend(near.into_iter().filter_map(Number::from_f64));
    }
    if let Some(v) = old.and_then(Number::as_u64) {
        out.extend(
            [
                v.wrapping_add(1),
                v.saturating_sub(1),
                v.saturating_mul(65_536),
            ]
            .map(Number::from),
        );
    }
    out
}

fn count(value: &Value) -> usize {
    1 + match value {
        Value::Array(items) => items.iter().map(count).sum(),
        Value::Object(map) => map.values().map(count).sum(),
        _ => 0,
    }
}

/// The `n`th node in pre-order.
fn nth_mut<'a>(value: &'a mut Value, n: &mut usize) -> Option<&'a mut Value> {
    if *n == 0 {
        return Some(value);
    }
    *n -= 1;
    match value {
        Value::Array(items) => {
            for item in items {
                if let Some(found) = nth_mut(item, n) {
                    return Some(found);
                }
            }
            None
        }
        Value::Object(map) => {
            for item in map.values_mut() {
                if let Some(found) = nth_mut(item, n) {
                    return Some(found);
                }
            }
            None
        }
        _ => None,
    }
}

fn nth(value: &Value, mut n: usize) -> Option<Value> {
    let mut copy = value.clone();
    nth_mut(&mut copy, &mut n).map(|v| v.clone())
}

fn small_value(rng: &mut Rng, words: &[String]) -> Value {
    match rng.below(7) {
        0 => Value::Null,
        1 => Value::Bool(rng.one_in(2)),
        2 => Value::Number(rng.pick(&interesting_numbers(None)).clone()),
        3 => Value::String(random_string(rng, words)),
        4 => json!([]),
        5 => json!({}),
        _ => json!([1, "a", null]),
    }
}

fn random_string(rng: &mut Rng, words: &[String]) -> String {
    match rng.below(4) {
        0 if !words.is_empty() => rng.pick(words).clone(),
        1 => {
            let n = 1 << (6 + rng.below(11));
            "x".repeat(n)
        }
        _ => rng.pick(&STRINGS).to_string(),
    }
}

/// Applies one structure-aware mutation to a random node of `value`. `donors` are other
/// documents whose nodes may be copied in; `words` are the target's field names and tokens.
pub fn mutate(value: &mut Value, donors: &[Value], words: &[String], rng: &mut Rng) {
    let total = count(value);
    let mut index = rng.below(total);
    let donor_node = {
        let source = if donors.is_empty() || rng.one_in(3) {
            value.clone()
        } else {
            rng.pick(donors).clone()
        };
        let n = rng.below(count(&source));
        nth(&source, n)
    };
    let Some(node) = nth_mut(value, &mut index) else {
        return;
    };
    match rng.below(10) {
        0 => *node = small_value(rng, words),
        1 | 2 => {
            let old = match node {
                Value::Number(n) => Some(n.clone()),
                _ => None,
            };
            *node = Value::Number(rng.pick(&interesting_numbers(old.as_ref())).clone());
        }
        3 => *node = Value::String(random_string(rng, words)),
        4 => match node {
            Value::Object(map) if !map.is_empty() => {
                let key = map.keys().nth(rng.below(map.len())).cloned();
                if let Some(key) = key {
                    map.remove(&key);
                }
            }
            Value::Array(items) if !items.is_empty() => {
                items.remove(rng.below(items.len()));
            }
            _ => *node = Value::Null,
        },
        5 => match node {
            Value::Object(map) => {
                let key = if words.is_empty() || rng.one_in(4) {
                    random_string(rng, &[])
                } else {
                    rng.pick(words).clone()
                };
                map.insert(key, small_value(rng, words));
            }
            Value::Array(items) if !items.is_empty() => {
                let item = items[rng.below(items.len())].clone();
                let times = if rng.one_in(4) { 1 + rng.below(300) } else { 1 };
                for _ in 0..times {
                    items.insert(rng.below(items.len() + 1), item.clone());
                }
            }
            _ => *node = json!([node.clone()]),
        },
        6 => {
            // Deep nesting: serde_json stops at 128 levels; code walking the value may not.
            let depth = 8 + rng.below(200);
            let mut nested = node.clone();
            for i in 0..depth {
                nested = if i % 2 == 0 {
                    json!([nested])
                } else {
                    let mut map = Map::new();
                    map.insert("a".into(), nested);
                    Value::Object(map)
                };
            }
            *node = nested;
        }
        7 | 8 => {
            if let Some(donor) = donor_node {
                *node = donor;
            }
        }
        _ => match node {
            Value::Array(items) => items.clear(),
            Value::Object(map) => map.clear(),
            Value::Bool(b) => *b = !*b,
            other => *other = Value::Null,
        },
    }
}

/// The document as text: compact or pretty, as files come either way.
pub fn to_bytes(value: &Value, rng: &mut Rng) -> Vec<u8> {
    let text = if rng.one_in(2) {
        serde_json::to_vec(value)
    } else {
        serde_json::to_vec_pretty(value)
    };
    text.unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_node_can_be_reached() {
        let mut v = json!({"a": [1, {"b": 2}], "c": "x"});
        assert_eq!(count(&v), 6);
        let mut n = 5;
        assert!(nth_mut(&mut v, &mut n).is_some());
        let mut n = 6;
        assert!(nth_mut(&mut v, &mut n).is_none());
    }

    #[test]
    fn mutations_change_the_document() {
        let original = json!({"seconds": 3.0, "shots": [{"name": "a"}], "ok": true});
        let mut rng = Rng::new(42);
        let changed = (0..100)
            .filter(|_| {
                let mut v = original.clone();
                mutate(&mut v, &[], &["schema_version".into()], &mut rng);
                v != original
            })
            .count();
        assert!(changed > 80, "{changed} of 100 changed");
    }
}
