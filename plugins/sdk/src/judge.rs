//! Asking the host's judge model: the `rewasm:reward/judge` import, granted
//! by the reward set's `judge` capability.
//!
//! Only a component that calls [`judge`] imports the interface (the linker
//! drops unused imports), and such a plugin must list
//! [`Capability::Judge`](crate::Capability::Judge) in its `info()`.
//!
//! Natively (tests, benchmarks) there is no host: [`judge`] answers every
//! request with an error, unless a test installs a stand-in with
//! [`with_fake_judge`].

/// One question for the judge model.
#[derive(Debug, Clone, PartialEq)]
pub struct JudgeRequest {
    /// The full prompt text.
    pub prompt: String,
    /// Most tokens the judge may generate.
    pub max_tokens: u32,
    /// Sampling temperature (0: greedy).
    pub temperature: f32,
}

/// Asks the judge every request in one host call (the host may run them
/// concurrently); one answer or error message per request, in order. Time
/// spent here counts against the calling reward's deadline. A call the
/// reward set did not grant traps.
///
/// The result always has one entry per request: a host that answers with
/// another count gets an error for every request.
pub fn judge(requests: &[JudgeRequest]) -> Vec<Result<String, String>> {
    if requests.is_empty() {
        return Vec::new();
    }
    let answers = backend::judge(requests);
    if answers.len() == requests.len() {
        answers
    } else {
        let message = format!(
            "judge returned {} answers for {} requests",
            answers.len(),
            requests.len()
        );
        requests.iter().map(|_| Err(message.clone())).collect()
    }
}

#[cfg(target_arch = "wasm32")]
mod backend {
    use super::JudgeRequest;
    use crate::bindings::rewasm::reward::judge as wit;

    pub fn judge(requests: &[JudgeRequest]) -> Vec<Result<String, String>> {
        let requests: Vec<wit::JudgeRequest> = requests
            .iter()
            .map(|r| wit::JudgeRequest {
                prompt: r.prompt.clone(),
                max_tokens: r.max_tokens,
                temperature: r.temperature,
            })
            .collect();
        wit::judge(&requests)
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod backend {
    use std::cell::RefCell;

    use super::JudgeRequest;

    pub type Fake = Box<dyn Fn(&[JudgeRequest]) -> Vec<Result<String, String>>>;

    thread_local! {
        // Per thread, so tests running in parallel each see their own fake.
        pub static FAKE: RefCell<Option<Fake>> = const { RefCell::new(None) };
    }

    pub fn judge(requests: &[JudgeRequest]) -> Vec<Result<String, String>> {
        FAKE.with(|f| match f.borrow().as_ref() {
            Some(fake) => fake(requests),
            None => requests
                .iter()
                .map(|_| Err("no judge outside a Wasm host (tests can use with_fake_judge)".into()))
                .collect(),
        })
    }
}

/// Runs `f` with `fake` answering [`judge`] calls made on this thread, then
/// restores whatever answered before (also when `f` panics). Native only:
/// for unit tests of plugin logic that asks a judge.
#[cfg(not(target_arch = "wasm32"))]
pub fn with_fake_judge<R>(
    fake: impl Fn(&[JudgeRequest]) -> Vec<Result<String, String>> + 'static,
    f: impl FnOnce() -> R,
) -> R {
    struct Restore(Option<backend::Fake>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            backend::FAKE.with(|slot| *slot.borrow_mut() = previous);
        }
    }
    let previous = backend::FAKE.with(|slot| slot.borrow_mut().replace(Box::new(fake)));
    let _restore = Restore(previous);
    f()
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::rc::Rc;

    use super::*;

    fn request(prompt: &str) -> JudgeRequest {
        JudgeRequest {
            prompt: prompt.to_string(),
            max_tokens: 16,
            temperature: 0.0,
        }
    }

    #[test]
    fn without_a_fake_every_request_fails() {
        let answers = judge(&[request("a"), request("b")]);
        assert_eq!(answers.len(), 2);
        assert!(answers.iter().all(|a| a.is_err()));
        assert!(judge(&[]).is_empty());
    }

    #[test]
    fn a_fake_answers_in_order_and_is_removed_afterwards() {
        let calls = Rc::new(Cell::new(0));
        let seen = calls.clone();
        let answers = with_fake_judge(
            move |reqs| {
                seen.set(seen.get() + 1);
                reqs.iter().map(|r| Ok(r.prompt.to_uppercase())).collect()
            },
            || judge(&[request("x"), request("y")]),
        );
        assert_eq!(answers, vec![Ok("X".to_string()), Ok("Y".to_string())]);
        assert_eq!(calls.get(), 1, "one host call per judge()");
        assert!(judge(&[request("x")])[0].is_err());
    }

    #[test]
    fn a_wrong_answer_count_becomes_an_error_per_request() {
        let answers = with_fake_judge(
            |_| vec![Ok("only one".to_string())],
            || judge(&[request("a"), request("b"), request("c")]),
        );
        assert_eq!(answers.len(), 3);
        for a in answers {
            assert_eq!(a.unwrap_err(), "judge returned 1 answers for 3 requests");
        }
    }

    #[test]
    fn nested_fakes_restore_the_outer_one() {
        let outer = with_fake_judge(
            |reqs| reqs.iter().map(|_| Ok("outer".to_string())).collect(),
            || {
                let inner = with_fake_judge(
                    |reqs| reqs.iter().map(|_| Ok("inner".to_string())).collect(),
                    || judge(&[request("q")]),
                );
                assert_eq!(inner[0].as_deref(), Ok("inner"));
                judge(&[request("q")])
            },
        );
        assert_eq!(outer[0].as_deref(), Ok("outer"));
    }
}
