use crate::render::Image;
pub fn image_similarity(_a: &Image, _b: &Image) -> f64 {
    1.0
}
