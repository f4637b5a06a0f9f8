//! The judge's on-disk answer cache: one file per answer, named by the
//! sha256 of what determines it (backend and model, temperature, max
//! tokens, prompt). Only answers are kept, never errors; files are written
//! to a temporary name and renamed, so a crash leaves no half answer.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use sha2::{Digest, Sha256};

use super::{JudgeBackend, JudgeReply, JudgeRequest};

/// Counts cache hits.
#[derive(Default)]
pub(crate) struct HitCounter(AtomicU64);

impl HitCounter {
    pub(crate) fn hits(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// A backend with an on-disk cache in front.
pub struct CachedJudge {
    inner: Arc<dyn JudgeBackend>,
    dir: PathBuf,
    hits: Arc<HitCounter>,
}

impl CachedJudge {
    /// Caches `inner`'s answers under `dir`.
    pub fn new(inner: Arc<dyn JudgeBackend>, dir: PathBuf) -> Self {
        CachedJudge {
            inner,
            dir,
            hits: Arc::new(HitCounter::default()),
        }
    }

    pub(crate) fn hit_counter(&self) -> Arc<HitCounter> {
        self.hits.clone()
    }

    fn key(&self, r: &JudgeRequest) -> String {
        let mut h = Sha256::new();
        h.update(self.inner.describe().as_bytes());
        h.update([0]);
        h.update(r.temperature.to_bits().to_le_bytes());
        h.update(r.max_tokens.to_le_bytes());
        h.update([0]);
        h.update(r.prompt.as_bytes());
        hex::encode(h.finalize())
    }

    fn path(&self, key: &str) -> PathBuf {
        self.dir.join(&key[..2]).join(format!("{key}.txt"))
    }

    fn store(&self, key: &str, answer: &str) {
        // A cache that cannot be written only costs a repeated request.
        let path = self.path(key);
        let Some(parent) = path.parent() else { return };
        if std::fs::create_dir_all(parent).is_err() {
            return;
        }
        let tmp = parent.join(format!(".{key}.{}.tmp", std::process::id()));
        if std::fs::write(&tmp, answer).is_ok() && std::fs::rename(&tmp, &path).is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
    }
}

impl JudgeBackend for CachedJudge {
    fn answer(&self, requests: &[JudgeRequest], deadline: Instant) -> Vec<JudgeReply> {
        let keys: Vec<String> = requests.iter().map(|r| self.key(r)).collect();
        let mut replies: Vec<Option<JudgeReply>> = keys
            .iter()
            .map(|k| std::fs::read_to_string(self.path(k)).ok().map(Ok))
            .collect();
        let hits = replies.iter().filter(|r| r.is_some()).count();
        self.hits.0.fetch_add(hits as u64, Ordering::Relaxed);
        let missing: Vec<usize> = (0..requests.len())
            .filter(|&i| replies[i].is_none())
            .collect();
        if !missing.is_empty() {
            let asked: Vec<JudgeRequest> = missing.iter().map(|&i| requests[i].clone()).collect();
            let answers = self.inner.answer(&asked, deadline);
            for (&i, answer) in missing.iter().zip(answers) {
                if let Ok(text) = &answer {
                    self.store(&keys[i], text);
                }
                replies[i] = Some(answer);
            }
        }
        replies
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err("the judge gave no answer".into())))
            .collect()
    }

    fn describe(&self) -> String {
        self.inner.describe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// Answers with a counter, so a cached answer is told from a fresh one.
    struct Counting(Mutex<u32>);

    impl JudgeBackend for Counting {
        fn answer(&self, requests: &[JudgeRequest], _: Instant) -> Vec<JudgeReply> {
            requests
                .iter()
                .map(|r| {
                    let mut n = self.0.lock().expect("lock");
                    *n += 1;
                    if r.prompt == "fail" {
                        Err("down".into())
                    } else {
                        Ok(format!("{} #{n}", r.prompt))
                    }
                })
                .collect()
        }
        fn describe(&self) -> String {
            "counting".into()
        }
    }

    fn req(p: &str) -> JudgeRequest {
        JudgeRequest {
            prompt: p.into(),
            max_tokens: 8,
            temperature: 0.0,
        }
    }

    #[test]
    fn answers_are_reused_and_errors_are_not_kept() {
        let dir = std::env::temp_dir().join(format!("rewasm-judge-cache-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let c = CachedJudge::new(Arc::new(Counting(Mutex::new(0))), dir.clone());
        let far = Instant::now() + std::time::Duration::from_secs(5);
        let first = c.answer(&[req("a"), req("fail"), req("b")], far);
        assert_eq!(first[0].as_deref(), Ok("a #1"));
        assert!(first[1].is_err());
        let again = c.answer(&[req("b"), req("a"), req("fail")], far);
        assert_eq!(again[0].as_deref(), Ok("b #3"), "from the cache");
        assert_eq!(again[1].as_deref(), Ok("a #1"), "from the cache");
        assert!(again[2].is_err(), "errors are asked again");
        assert_eq!(c.hits.hits(), 2);
        // Another max_tokens is another question.
        let mut longer = req("a");
        longer.max_tokens = 9;
        assert_eq!(c.answer(&[longer], far)[0].as_deref(), Ok("a #5"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
