//! What the real-size memory tests share: safetensors files with the published dtypes, shapes
//! and sizes whose data is a hole (sparse: no disk cost), and the process's resident memory.

#![allow(dead_code)] // Each test binary uses its own part.

use std::io::{Seek, SeekFrom, Write};
use std::path::Path;

/// (name, safetensors dtype, element size, shape).
pub type Entry = (String, &'static str, usize, Vec<usize>);

/// A safetensors file of `entries` whose data is a hole: header written, length set.
pub fn write_sparse(path: &Path, entries: &[Entry], tail: &[(&str, Vec<u8>)]) -> u64 {
    let mut header = serde_json::Map::new();
    let mut offset = 0usize;
    let mut placed = Vec::new();
    for (name, dtype, size, shape) in entries {
        let bytes = shape.iter().product::<usize>() * size;
        header.insert(
            name.clone(),
            serde_json::json!({"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + bytes]}),
        );
        offset += bytes;
    }
    for (name, bytes) in tail {
        header.insert(
            (*name).to_owned(),
            serde_json::json!({"dtype": "U8", "shape": [bytes.len()], "data_offsets": [offset, offset + bytes.len()]}),
        );
        placed.push((offset, bytes));
        offset += bytes.len();
    }
    header.insert("__metadata__".into(), serde_json::json!({"format": "pt"}));
    let mut text = serde_json::Value::Object(header).to_string().into_bytes();
    while !text.len().is_multiple_of(8) {
        text.push(b' ');
    }
    let mut file = std::fs::File::create(path).unwrap();
    file.write_all(&(text.len() as u64).to_le_bytes()).unwrap();
    file.write_all(&text).unwrap();
    let data_start = 8 + text.len() as u64;
    for (at, bytes) in placed {
        file.seek(SeekFrom::Start(data_start + at as u64)).unwrap();
        file.write_all(bytes).unwrap();
    }
    let len = data_start + offset as u64;
    file.set_len(len).unwrap();
    len
}

pub fn f16(tensors: Vec<(String, Vec<usize>)>) -> Vec<Entry> {
    tensors
        .into_iter()
        .map(|(name, shape)| (name, "F16", 2, shape))
        .collect()
}

/// umT5 as `umt5_xxl_fp8_e4m3fn_scaled`: the blocks' matrices in fp8 with a scale each, the
/// rest in fp16, a `scaled_fp8` marker.
pub fn fp8_scaled(tensors: Vec<(String, Vec<usize>)>) -> Vec<Entry> {
    let mut out = vec![("scaled_fp8".to_owned(), "F8_E4M3", 1, vec![0])];
    for (name, shape) in tensors {
        let matrix = name.starts_with("encoder.block.")
            && shape.len() == 2
            && !name.contains("relative_attention_bias");
        if matrix {
            let stem = name.trim_end_matches(".weight").to_owned();
            out.push((name, "F8_E4M3", 1, shape));
            out.push((format!("{stem}.scale_weight"), "F32", 4, vec![]));
        } else {
            out.push((name, "F16", 2, shape));
        }
    }
    out
}

/// Peak and current resident memory of this process, in bytes.
pub fn resident() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |key: &str| {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<u64>().ok())
            .map_or(0, |kb| kb * 1024)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

pub fn gb(bytes: u64) -> String {
    format!("{:.2} GB", bytes as f64 / 1e9)
}

/// A transformer as ComfyUI's `*_fp8_e4m3fn_scaled` files are: the blocks' matrices in fp8
/// with a scale each, the rest in fp16.
pub fn dit_fp8_scaled(tensors: Vec<(String, Vec<usize>)>) -> Vec<Entry> {
    let mut out = vec![("scaled_fp8".to_owned(), "F8_E4M3", 1, vec![0])];
    for (name, shape) in tensors {
        if name.starts_with("blocks.") && shape.len() == 2 && name.ends_with(".weight") {
            let stem = name.trim_end_matches(".weight").to_owned();
            out.push((name, "F8_E4M3", 1, shape));
            out.push((format!("{stem}.scale_weight"), "F32", 4, vec![]));
        } else {
            out.push((name, "F16", 2, shape));
        }
    }
    out
}
