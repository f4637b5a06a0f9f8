//! Undoing the row permutation that llama.cpp's converter applies to llama-architecture Q and K
//! projections.
//!
//! Hugging Face llama checkpoints use "rotate half" RoPE (a head's dimension `i` pairs with
//! `i + head_dim / 2`); ggml's llama RoPE pairs adjacent dimensions `2i, 2i + 1`. The converter
//! therefore reorders each head's rows: Hugging Face row `h * head_dim + b * head_dim / 2 + a` is
//! stored at GGUF row `h * head_dim + 2a + b` (`a < head_dim / 2`, `b < 2`). In array terms the
//! undo is `reshape(n_head, head_dim / 2, 2, cols) -> swap axes 1, 2 -> reshape(rows, cols)`.
//! Qwen2 GGUFs use the rotate-half convention natively and are stored unpermuted.

/// Reorders the rows of a row-major `rows x cols` matrix (use `cols = 1` for a bias) from the
/// GGUF llama layout back to the Hugging Face layout. `n_head` is the query head count for Q and
/// the key/value head count for K. Returns `None` when `rows` is not a multiple of
/// `2 * n_head` or `data` is not `rows * cols` long.
pub fn unpermute_rows(data: &[f32], rows: usize, cols: usize, n_head: usize) -> Option<Vec<f32>> {
    if n_head == 0 || !rows.is_multiple_of(2 * n_head) || Some(data.len()) != rows.checked_mul(cols)
    {
        return None;
    }
    let head_dim = rows / n_head;
    let half = head_dim / 2;
    let mut out = vec![0.0; data.len()];
    for h in 0..n_head {
        for a in 0..half {
            for b in 0..2 {
                let src = (h * head_dim + 2 * a + b) * cols;
                let dst = (h * head_dim + b * half + a) * cols;
                out[dst..dst + cols].copy_from_slice(&data[src..src + cols]);
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undoes_the_permutation_on_a_small_matrix() {
        // 2 heads of dim 4, 2 columns; GGUF row r holds values (10r, 10r + 1).
        let rows = 8;
        let gguf: Vec<f32> = (0..rows)
            .flat_map(|r| [10.0 * r as f32, 10.0 * r as f32 + 1.0])
            .collect();
        let hf = unpermute_rows(&gguf, rows, 2, 2).expect("valid shape");
        // Per head (dim 4, half 2): HF rows [0,1,2,3] come from GGUF rows [0,2,1,3].
        let expected_src_rows = [0, 2, 1, 3, 4, 6, 5, 7];
        let expected: Vec<f32> = expected_src_rows
            .iter()
            .flat_map(|&r| [10.0 * r as f32, 10.0 * r as f32 + 1.0])
            .collect();
        assert_eq!(hf, expected);
    }

    #[test]
    fn inverts_the_forward_permutation() {
        // Forward (HF -> GGUF): reshape(n_head, 2, half, cols) and swap axes 1, 2.
        let (n_head, head_dim, cols) = (3, 8, 5);
        let rows = n_head * head_dim;
        let half = head_dim / 2;
        let hf: Vec<f32> = (0..rows * cols).map(|i| i as f32).collect();
        let mut gguf = vec![0.0; hf.len()];
        for h in 0..n_head {
            for a in 0..half {
                for b in 0..2 {
                    let g = (h * head_dim + 2 * a + b) * cols;
                    let s = (h * head_dim + b * half + a) * cols;
                    gguf[g..g + cols].copy_from_slice(&hf[s..s + cols]);
                }
            }
        }
        assert_ne!(gguf, hf);
        assert_eq!(unpermute_rows(&gguf, rows, cols, n_head), Some(hf));
    }

    #[test]
    fn rejects_shapes_that_do_not_split_into_heads() {
        assert_eq!(unpermute_rows(&[0.0; 6], 6, 1, 2), None);
        assert_eq!(unpermute_rows(&[0.0; 8], 8, 1, 0), None);
        assert_eq!(unpermute_rows(&[0.0; 7], 8, 1, 2), None);
    }
}
