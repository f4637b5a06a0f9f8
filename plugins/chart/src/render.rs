use crate::scene::Scene;

/// An RGBA8 image, row-major, no padding.
#[derive(Debug, Clone, PartialEq)]
pub struct Image {
    pub width: u32,
    pub height: u32,
    pub rgba: Vec<u8>,
}

pub fn render(_scene: &Scene, width: u32, height: u32) -> Image {
    Image {
        width,
        height,
        rgba: vec![255; (width * height * 4) as usize],
    }
}
