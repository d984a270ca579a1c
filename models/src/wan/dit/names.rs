//! The original Wan tensor names (the Wan repository's checkpoints and ComfyUI's single files,
//! e.g. `wan2.1_t2v_1.3B_fp16.safetensors`) mapped to diffusers' `WanTransformer3DModel` names,
//! the ones the loader asks for. The table follows diffusers' conversion script
//! (scripts/convert_wan_to_diffusers.py).

/// Prefixes some single files put before every name (a whole-checkpoint export).
const PREFIXES: [&str; 2] = ["model.diffusion_model.", "diffusion_model."];

/// Whether the file names are diffusers' (no translation needed).
pub fn is_diffusers_layout(names: &[String]) -> bool {
    names
        .iter()
        .any(|n| n.starts_with("condition_embedder.") || n.starts_with("proj_out."))
}

/// The diffusers name for an original Wan DiT tensor name; `None` if it is not one.
pub fn original_to_diffusers(name: &str) -> Option<String> {
    let name = PREFIXES
        .iter()
        .find_map(|p| name.strip_prefix(p))
        .unwrap_or(name);
    let (head, param) = name.rsplit_once('.')?;
    let mapped = match head {
        "patch_embedding" => "patch_embedding".to_owned(),
        "text_embedding.0" => "condition_embedder.text_embedder.linear_1".to_owned(),
        "text_embedding.2" => "condition_embedder.text_embedder.linear_2".to_owned(),
        "time_embedding.0" => "condition_embedder.time_embedder.linear_1".to_owned(),
        "time_embedding.2" => "condition_embedder.time_embedder.linear_2".to_owned(),
        "time_projection.1" => "condition_embedder.time_proj".to_owned(),
        "head.head" => "proj_out".to_owned(),
        // `head.modulation` and `blocks.N.modulation` are parameters, not modules.
        "head" if param == "modulation" => return Some("scale_shift_table".to_owned()),
        _ => {
            let rest = head.strip_prefix("blocks.")?;
            let (index, part) = rest.split_once('.').unwrap_or((rest, ""));
            index.parse::<usize>().ok()?;
            if part.is_empty() {
                return (param == "modulation")
                    .then(|| format!("blocks.{index}.scale_shift_table"));
            }
            format!("blocks.{index}.{}", block_part(part)?)
        }
    };
    Some(format!("{mapped}.{param}"))
}

/// A module inside a block: attention projections, the cross-attention norm, the FFN.
fn block_part(part: &str) -> Option<String> {
    let attention = |prefix: &str, rest: &str| -> Option<String> {
        let module = match rest {
            "q" => "to_q",
            "k" => "to_k",
            "v" => "to_v",
            "o" => "to_out.0",
            "norm_q" => "norm_q",
            "norm_k" => "norm_k",
            _ => return None,
        };
        Some(format!("{prefix}.{module}"))
    };
    if let Some(rest) = part.strip_prefix("self_attn.") {
        return attention("attn1", rest);
    }
    if let Some(rest) = part.strip_prefix("cross_attn.") {
        return attention("attn2", rest);
    }
    match part {
        // The original calls its norms norm1, norm3 (before cross-attention, the only one with
        // weights), norm2; diffusers numbers them in order.
        "norm3" => Some("norm2".to_owned()),
        "ffn.0" => Some("ffn.net.0.proj".to_owned()),
        "ffn.2" => Some("ffn.net.2".to_owned()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn original_names_map_to_diffusers() {
        let cases = [
            ("patch_embedding.weight", "patch_embedding.weight"),
            (
                "text_embedding.2.bias",
                "condition_embedder.text_embedder.linear_2.bias",
            ),
            (
                "time_embedding.0.weight",
                "condition_embedder.time_embedder.linear_1.weight",
            ),
            (
                "time_projection.1.weight",
                "condition_embedder.time_proj.weight",
            ),
            ("head.head.bias", "proj_out.bias"),
            ("head.modulation", "scale_shift_table"),
            ("blocks.0.modulation", "blocks.0.scale_shift_table"),
            ("blocks.3.self_attn.q.weight", "blocks.3.attn1.to_q.weight"),
            ("blocks.3.self_attn.o.bias", "blocks.3.attn1.to_out.0.bias"),
            (
                "blocks.3.self_attn.norm_k.weight",
                "blocks.3.attn1.norm_k.weight",
            ),
            (
                "blocks.12.cross_attn.v.weight",
                "blocks.12.attn2.to_v.weight",
            ),
            ("blocks.1.norm3.bias", "blocks.1.norm2.bias"),
            ("blocks.1.ffn.0.weight", "blocks.1.ffn.net.0.proj.weight"),
            ("blocks.1.ffn.2.bias", "blocks.1.ffn.net.2.bias"),
            (
                "model.diffusion_model.blocks.0.ffn.2.weight",
                "blocks.0.ffn.net.2.weight",
            ),
        ];
        for (original, diffusers) in cases {
            assert_eq!(
                original_to_diffusers(original).as_deref(),
                Some(diffusers),
                "{original}"
            );
        }
    }

    #[test]
    fn foreign_names_are_not_mapped() {
        for name in [
            "encoder.conv1.weight",
            "blocks.x.self_attn.q.weight",
            "blocks.0.self_attn.qkv.weight",
            "shared.weight",
            "img_emb.proj.0.weight",
        ] {
            assert_eq!(original_to_diffusers(name), None, "{name}");
        }
    }
}
