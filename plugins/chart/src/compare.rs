use crate::scene::Scene;
#[derive(Debug, Clone)]
pub struct CompareOptions;
#[derive(Debug, Clone)]
pub struct Scores;
pub fn compare(_r: &Scene, _c: &Scene, _o: &CompareOptions) -> Scores {
    Scores
}
pub fn compare_scenes(_r: &Scene, _c: &Scene, _o: &CompareOptions) -> Scores {
    Scores
}
