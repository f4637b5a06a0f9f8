//! A chat model run with the trainer's code: what `rewasm serve-judge`
//! serves and what the `local` judge backend asks. The runtime never links
//! libtorch, so the CLI hands the `local` backend to it as a
//! [`LocalJudgeFactory`].

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::Context;
use rewasm_runtime::judge::{JudgeBackend, JudgeReply};
use rewasm_runtime::{JudgeConfig, JudgeRequest, LocalJudgeFactory};
use rewasm_trainer::{generate_until, CausalLm, Device, Message, SamplingConfig, Tokenizer};

use crate::generate_cmd::{cut_at_stop, resolve_model};

/// Sampling settings of one chat request.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatParams {
    /// Most tokens of the answer.
    pub max_tokens: usize,
    /// 0 is greedy.
    pub temperature: f64,
    /// Nucleus sampling (1 keeps every token).
    pub top_p: f64,
    /// Seed of the sampler.
    pub seed: i64,
    /// The answer ends before the first of these.
    pub stop: Vec<String>,
}

/// One answer.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatAnswer {
    pub text: String,
    pub prompt_tokens: usize,
    pub completion_tokens: usize,
    /// Ended on end-of-sequence or a stop string (false: hit `max_tokens`).
    pub finished: bool,
}

/// A loaded model with its tokenizer and chat template.
pub struct ChatModel {
    model: CausalLm,
    tok: Tokenizer,
    eos: Vec<i64>,
    /// The folder it was loaded from.
    pub dir: PathBuf,
}

impl ChatModel {
    /// Loads a pulled model (by name) or a model folder.
    pub fn load(name_or_path: &str, device: Device) -> anyhow::Result<Self> {
        let dir = resolve_model(name_or_path)?;
        let tok = Tokenizer::load(&dir)?;
        let model =
            CausalLm::load(&dir, device).map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?;
        let eos = rewasm_trainer::eos_ids(&dir, model.config(), &tok);
        Ok(ChatModel {
            model,
            tok,
            eos,
            dir,
        })
    }

    /// Answers each conversation; those with equal params run as one batch.
    pub fn chat(
        &self,
        conversations: &[Vec<Message>],
        params: &ChatParams,
    ) -> anyhow::Result<Vec<ChatAnswer>> {
        let prompts = conversations
            .iter()
            .map(|m| -> anyhow::Result<Vec<i64>> {
                let text = self.tok.apply_chat_template(m, true)?;
                Ok(self.tok.encode(&text, false)?)
            })
            .collect::<anyhow::Result<Vec<Vec<i64>>>>()
            .context("cannot apply the chat template")?;
        let cfg = SamplingConfig {
            max_new_tokens: params.max_tokens,
            greedy: params.temperature <= 0.0,
            temperature: if params.temperature > 0.0 {
                params.temperature
            } else {
                1.0
            },
            top_k: 0,
            top_p: params.top_p,
            eos_ids: self.eos.clone(),
            seed: params.seed,
        };
        let stop = self.tok.stop_checker(&params.stop);
        let out = generate_until(&self.model, &prompts, &cfg, &stop);
        out.into_iter()
            .zip(&prompts)
            .map(|(g, p)| {
                let ids: Vec<i64> = g
                    .ids
                    .iter()
                    .copied()
                    .filter(|i| !self.eos.contains(i))
                    .collect();
                let text = self.tok.decode(&ids)?;
                Ok(ChatAnswer {
                    text: cut_at_stop(&text, &params.stop).to_string(),
                    prompt_tokens: p.len(),
                    completion_tokens: g.ids.len(),
                    finished: g.finished,
                })
            })
            .collect()
    }
}

/// The `local` judge backend: requests become user messages, answered in
/// batches of up to 8 with equal sampling settings. A batch that starts
/// before the reward's deadline runs to its end (generation cannot be cut
/// short), so set the reward's `timeout_ms` with the model's speed in mind.
pub struct LocalJudge {
    model: Mutex<ChatModel>,
    name: String,
}

impl JudgeBackend for LocalJudge {
    fn answer(&self, requests: &[JudgeRequest], deadline: Instant) -> Vec<JudgeReply> {
        let mut replies: Vec<Option<JudgeReply>> = vec![None; requests.len()];
        let mut groups: HashMap<(u32, u32), Vec<usize>> = HashMap::new();
        for (i, r) in requests.iter().enumerate() {
            groups
                .entry((r.max_tokens, r.temperature.to_bits()))
                .or_default()
                .push(i);
        }
        let mut groups: Vec<_> = groups.into_iter().collect();
        groups.sort_by_key(|(_, idx)| idx[0]);
        let model = self.model.lock().unwrap_or_else(|e| e.into_inner());
        for ((max_tokens, temp_bits), idx) in groups {
            for chunk in idx.chunks(8) {
                if Instant::now() >= deadline {
                    for &i in chunk {
                        replies[i] = Some(Err(format!(
                            "local judge {}: the reward's deadline passed before this request's turn",
                            self.name
                        )));
                    }
                    continue;
                }
                let conversations: Vec<Vec<Message>> = chunk
                    .iter()
                    .map(|&i| vec![Message::new("user", &requests[i].prompt)])
                    .collect();
                let params = ChatParams {
                    max_tokens: max_tokens as usize,
                    temperature: f32::from_bits(temp_bits) as f64,
                    top_p: 1.0,
                    seed: 0,
                    stop: Vec::new(),
                };
                match model.chat(&conversations, &params) {
                    Ok(answers) => {
                        for (&i, a) in chunk.iter().zip(answers) {
                            replies[i] = Some(Ok(a.text));
                        }
                    }
                    Err(e) => {
                        for &i in chunk {
                            replies[i] = Some(Err(format!("local judge {}: {e:#}", self.name)));
                        }
                    }
                }
            }
        }
        replies
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err("the judge gave no answer".into())))
            .collect()
    }

    fn describe(&self) -> String {
        format!("local {}", self.name)
    }
}

/// The factory the CLI gives reward sets: loads each (model, device) once
/// per process, however often a set is loaded or swapped.
pub fn local_judge_factory() -> LocalJudgeFactory {
    type Loaded = HashMap<(String, String), Arc<LocalJudge>>;
    let loaded: Arc<Mutex<Loaded>> = Arc::default();
    LocalJudgeFactory(Arc::new(move |config: &JudgeConfig| {
        let name = config
            .model
            .clone()
            .ok_or("backend `local` needs `model`")?;
        let device_name = config.device.clone().unwrap_or_else(|| "cpu".into());
        let mut loaded = loaded.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(j) = loaded.get(&(name.clone(), device_name.clone())) {
            return Ok(j.clone() as Arc<dyn JudgeBackend>);
        }
        let device: Device = device_name
            .parse()
            .map_err(|e| format!("device {device_name:?}: {e}"))?;
        let model = ChatModel::load(&name, device).map_err(|e| format!("model {name:?}: {e:#}"))?;
        eprintln!(
            "judge: loaded {} on {device_name} for the local backend",
            model.dir.display()
        );
        let judge = Arc::new(LocalJudge {
            model: Mutex::new(model),
            name: name.clone(),
        });
        loaded.insert((name, device_name), judge.clone());
        Ok(judge as Arc<dyn JudgeBackend>)
    }))
}
