//! The `http` judge backend: an OpenAI-compatible `POST {base_url}/chat/completions`.
//!
//! Each request is one user message; the answer is `choices[0].message.content`.
//! Requests of one call go out in parallel, at most `concurrency` in flight
//! over every caller of the judge. A connection error, a timeout, a 429 or a
//! 5xx is retried `retries` times, waiting `backoff_ms`, then twice that, and
//! so on; nothing is tried past the calling reward's deadline.

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use ureq::Agent;

use super::{map_parallel, Gate, JudgeBackend, JudgeConfig, JudgeReply, JudgeRequest};

/// Most bytes of a reply body read.
const MAX_REPLY: u64 = 4 << 20;

/// The `http` backend.
pub struct HttpJudge {
    agent: Agent,
    url: String,
    base_url: String,
    model: String,
    api_key: Option<String>,
    timeout: Duration,
    retries: u32,
    backoff: Duration,
    concurrency: usize,
    gate: Gate,
}

/// What one attempt came to.
enum Attempt {
    Answer(String),
    /// Worth trying again (connection, timeout, 429, 5xx).
    Retry(String),
    /// Not worth trying again (4xx, a reply that is not chat completion).
    Fail(String),
}

impl HttpJudge {
    /// Builds the backend; reads the API key from `api_key_env` now, so a
    /// missing variable is an error at load, not on every sample.
    pub fn new(config: &JudgeConfig) -> Result<Self, String> {
        let base_url = config
            .base_url
            .clone()
            .ok_or("backend `http` needs `base_url`")?;
        let model = config.model.clone().ok_or("backend `http` needs `model`")?;
        let api_key = match &config.api_key_env {
            None => None,
            Some(var) => match std::env::var(var) {
                Ok(k) if !k.is_empty() => Some(k),
                _ => {
                    return Err(format!(
                        "api_key_env: the environment variable `{var}` is not set"
                    ))
                }
            },
        };
        let loopback = ["http://127.0.0.1", "http://localhost", "http://[::1]"]
            .iter()
            .any(|p| base_url.starts_with(p));
        let mut builder = Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(10).min(config.timeout())))
            .user_agent(concat!("rewasm/", env!("CARGO_PKG_VERSION")));
        if loopback {
            builder = builder.proxy(None);
        }
        let url = format!("{}/chat/completions", base_url.trim_end_matches('/'));
        Ok(HttpJudge {
            agent: builder.build().into(),
            url,
            base_url,
            model,
            api_key,
            timeout: config.timeout(),
            retries: config.retries,
            backoff: Duration::from_millis(config.backoff_ms),
            concurrency: config.concurrency,
            gate: Gate::new(config.concurrency),
        })
    }

    fn ask(&self, request: &JudgeRequest, deadline: Instant) -> JudgeReply {
        let body = json!({
            "model": self.model,
            "messages": [{"role": "user", "content": request.prompt}],
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
        })
        .to_string();
        let mut wait = self.backoff;
        let mut last = String::from("the reward's deadline passed before the judge was asked");
        for attempt in 0..=self.retries {
            if attempt > 0 {
                let now = Instant::now();
                if now + wait >= deadline {
                    return Err(format!(
                        "{last} (gave up after {attempt} attempt{}: the reward's deadline leaves no time to retry)",
                        if attempt == 1 { "" } else { "s" }
                    ));
                }
                std::thread::sleep(wait);
                wait = wait.saturating_mul(2);
            }
            let Some(_slot) = self.gate.enter(deadline) else {
                return Err(format!(
                    "{last} (the reward's deadline passed while waiting for one of the {} request slots)",
                    self.concurrency
                ));
            };
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            let timeout = self.timeout.min(deadline - now);
            match self.attempt(&body, timeout) {
                Attempt::Answer(text) => return Ok(text),
                Attempt::Fail(message) => return Err(message),
                Attempt::Retry(message) => last = message,
            }
        }
        Err(format!(
            "{last} (after {} attempt{})",
            self.retries + 1,
            if self.retries == 0 { "" } else { "s" }
        ))
    }

    fn attempt(&self, body: &str, timeout: Duration) -> Attempt {
        let mut req = self
            .agent
            .post(&self.url)
            .header("Content-Type", "application/json");
        if let Some(key) = &self.api_key {
            req = req.header("Authorization", &format!("Bearer {key}"));
        }
        let sent = req
            .config()
            .timeout_global(Some(timeout))
            .build()
            .send(body.as_bytes());
        let mut response = match sent {
            Ok(r) => r,
            Err(e) => return Attempt::Retry(format!("judge {}: {}", self.url, describe(&e))),
        };
        let status = response.status().as_u16();
        let text = match response
            .body_mut()
            .with_config()
            .limit(MAX_REPLY)
            .read_to_string()
        {
            Ok(t) => t,
            Err(e) => {
                return Attempt::Retry(format!(
                    "judge {}: reading the reply: {}",
                    self.url,
                    describe(&e)
                ))
            }
        };
        if status == 429 || status >= 500 {
            return Attempt::Retry(format!(
                "judge {}: HTTP {status}: {}",
                self.url,
                error_message(&text)
            ));
        }
        if status != 200 {
            return Attempt::Fail(format!(
                "judge {}: HTTP {status}: {}",
                self.url,
                error_message(&text)
            ));
        }
        let content = serde_json::from_str::<Value>(&text).ok().and_then(|v| {
            v.pointer("/choices/0/message/content")
                .and_then(Value::as_str)
                .map(str::to_owned)
        });
        match content {
            Some(c) => Attempt::Answer(c),
            None => Attempt::Fail(format!(
                "judge {}: the reply has no choices[0].message.content: {}",
                self.url,
                clip(&text, 200)
            )),
        }
    }
}

impl JudgeBackend for HttpJudge {
    fn answer(&self, requests: &[JudgeRequest], deadline: Instant) -> Vec<JudgeReply> {
        map_parallel(requests.len(), self.concurrency, |i| {
            self.ask(&requests[i], deadline)
        })
    }

    fn describe(&self) -> String {
        format!("http {} model {}", self.base_url, self.model)
    }
}

fn describe(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Io(io) => match io.kind() {
            std::io::ErrorKind::ConnectionRefused => "connection refused".into(),
            std::io::ErrorKind::ConnectionReset => "connection reset".into(),
            std::io::ErrorKind::TimedOut => "timed out".into(),
            _ => io.to_string(),
        },
        ureq::Error::Timeout(t) => format!("timed out ({t})"),
        ureq::Error::HostNotFound => "host not found".into(),
        other => other.to_string(),
    }
}

/// The `error.message` of an OpenAI-style error body, else the body's start.
fn error_message(body: &str) -> String {
    serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| {
            v.pointer("/error/message")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .unwrap_or_else(|| clip(body, 200))
}

fn clip(s: &str, n: usize) -> String {
    match s.char_indices().nth(n) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::judge::JudgeBackendKind;

    #[test]
    fn a_closed_port_is_retried_then_reported() {
        // Bind then drop: the port is (almost surely) closed.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("bind")
            .local_addr()
            .expect("addr")
            .port();
        let mut c = JudgeConfig::new(JudgeBackendKind::Http);
        c.base_url = Some(format!("http://127.0.0.1:{port}/v1"));
        c.model = Some("m".into());
        c.retries = 2;
        c.backoff_ms = 1;
        let j = HttpJudge::new(&c).expect("builds");
        let replies = j.answer(
            &[JudgeRequest {
                prompt: "hi".into(),
                max_tokens: 4,
                temperature: 0.0,
            }],
            Instant::now() + Duration::from_secs(10),
        );
        let err = replies[0].as_ref().unwrap_err();
        assert!(err.contains("connection refused"), "{err}");
        assert!(err.contains("after 3 attempts"), "{err}");
    }

    #[test]
    fn a_missing_key_variable_fails_at_build() {
        let mut c = JudgeConfig::new(JudgeBackendKind::Http);
        c.base_url = Some("http://127.0.0.1:1/v1".into());
        c.model = Some("m".into());
        c.api_key_env = Some("REWASM_TEST_SURELY_UNSET_KEY".into());
        let err = HttpJudge::new(&c).err().expect("refused");
        assert!(err.contains("REWASM_TEST_SURELY_UNSET_KEY"), "{err}");
    }
}
