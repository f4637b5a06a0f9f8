//! `rewasm-chart`: runs plotting code written in a documented subset of
//! Python's matplotlib (see README.md) without Python, turns it into a
//! [`Scene`], rasterises scenes with a pure-Rust renderer, and compares two
//! scenes with ChartMimic-style scores.
//!
//! ```
//! let scene = rewasm_chart::run("import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nplt.title('t')").unwrap();
//! assert_eq!(scene.axes[0].title.as_deref(), Some("t"));
//! let image = rewasm_chart::render(&scene, 160, 120);
//! assert_eq!(image.rgba.len(), 160 * 120 * 4);
//! ```

mod budget;
pub mod color;
mod compare;
mod draw;
mod error;
mod format;
mod interp;
mod pylib;
mod pyplot;
mod render;
mod scene;
mod ssim;
mod text;
mod value;

use rustpython_parser::{ast, Parse};

pub use budget::Limits;
pub use color::Color;
pub use compare::{
    close, color_f1, compare, compare_with_images, data_f1, max_assignment, multiset_f1,
    CompareOptions, Scores,
};
pub use error::{ChartError, ChartErrorKind};
pub use render::{render, Image};
pub use scene::{Axes, ChartKind, Layout, LineStyle, Scene, Series, Text};
pub use ssim::image_similarity;

/// Runs plotting code with the default [`Limits`].
pub fn run(code: &str) -> Result<Scene, ChartError> {
    run_with_limits(code, &Limits::default())
}

/// Runs plotting code and returns the figure it drew.
pub fn run_with_limits(code: &str, limits: &Limits) -> Result<Scene, ChartError> {
    if code.len() > limits.max_code_bytes {
        return Err(ChartError::new(
            ChartErrorKind::Budget,
            None,
            format!(
                "code is {} bytes, over the limit of {}",
                code.len(),
                limits.max_code_bytes
            ),
        ));
    }
    budget::check_nesting(code, limits.max_depth)?;
    let suite = ast::Suite::parse(code, "<chart>").map_err(|e| {
        let at = e.offset.to_usize();
        ChartError::new(
            ChartErrorKind::Syntax,
            Some(budget::line_of(code, at)),
            e.error.to_string(),
        )
    })?;
    let mut it = interp::Interp::new(code, *limits);
    it.exec_block(&suite)?;
    let mut fig = std::mem::take(&mut it.fig);
    pyplot::finish(&mut fig);
    Ok(fig.scene)
}
