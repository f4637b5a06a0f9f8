//! `rewasm serve-judge`: a local model behind an OpenAI-compatible
//! `POST /v1/chat/completions`, so the `http` judge backend (and anything
//! else that speaks that API) can use it, and users can swap in vLLM or a
//! hosted API by changing `base_url`.
//!
//! Plain HTTP/1.1 on loopback by default, one request per connection
//! (`Connection: close`), answers generated one at a time. Also
//! `GET /v1/models` and `GET /health`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context};
use clap::Args;
use rewasm_trainer::{Device, Message};
use serde_json::{json, Value};

use crate::chat_model::{ChatModel, ChatParams};

#[derive(Args)]
pub struct ServeJudgeArgs {
    /// A model pulled with `rewasm model pull` (by name) or a model folder.
    #[arg(long)]
    model: String,
    /// Port to listen on (0 picks a free one; the address is printed).
    #[arg(long, default_value_t = 8011)]
    port: u16,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// The model name clients send (default: --model as given).
    #[arg(long)]
    served_name: Option<String>,
    /// cpu, cuda or cuda:N.
    #[arg(long, default_value = "cpu")]
    device: String,
    /// CPU threads for libtorch (default: libtorch's choice).
    #[arg(long)]
    threads: Option<i32>,
    /// Most tokens one answer may ask for (larger `max_tokens` are cut to it).
    #[arg(long, default_value_t = 1024)]
    max_tokens_cap: usize,
    /// Most connections handled at once; more get 503.
    #[arg(long, default_value_t = 64)]
    max_connections: usize,
}

/// Most bytes of request headers and body.
const MAX_HEAD: usize = 64 * 1024;
const MAX_BODY: usize = 4 << 20;

struct Server {
    model: Mutex<ChatModel>,
    name: String,
    cap: usize,
    served: AtomicU64,
    open: AtomicUsize,
    max_open: usize,
}

pub fn run(args: ServeJudgeArgs) -> anyhow::Result<()> {
    let device: Device = args.device.parse()?;
    crate::generate_cmd::set_threads(args.threads)?;
    if args.max_tokens_cap == 0 {
        bail!("--max-tokens-cap must be at least 1");
    }
    let t0 = Instant::now();
    let model = ChatModel::load(&args.model, device)?;
    let listener = TcpListener::bind((args.host.as_str(), args.port))
        .with_context(|| format!("cannot listen on {}:{}", args.host, args.port))?;
    let addr = listener.local_addr()?;
    let server = Arc::new(Server {
        name: args.served_name.unwrap_or_else(|| args.model.clone()),
        model: Mutex::new(model),
        cap: args.max_tokens_cap,
        served: AtomicU64::new(0),
        open: AtomicUsize::new(0),
        max_open: args.max_connections.max(1),
    });
    eprintln!(
        "serve-judge: {} loaded on {device} in {:.1} s",
        args.model,
        t0.elapsed().as_secs_f64()
    );
    // Scripts and tests wait for this line.
    println!(
        "serving {:?} on http://{addr}/v1 (POST /v1/chat/completions)",
        server.name
    );
    std::io::stdout().flush()?;
    for conn in listener.incoming() {
        let Ok(stream) = conn else { continue };
        let server = server.clone();
        if server.open.fetch_add(1, Ordering::SeqCst) >= server.max_open {
            server.open.fetch_sub(1, Ordering::SeqCst);
            let mut stream = stream;
            let _ = respond(
                &mut stream,
                503,
                &error_body("too many connections", "server_busy"),
            );
            continue;
        }
        std::thread::spawn(move || {
            handle(&server, stream);
            server.open.fetch_sub(1, Ordering::SeqCst);
        });
    }
    Ok(())
}

/// A parsed request.
struct Request {
    method: String,
    path: String,
    body: Vec<u8>,
}

/// An error reply: status and message.
struct Reject(u16, String, &'static str);

fn handle(server: &Server, mut stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let started = Instant::now();
    let (status, body, what) = match read_request(&stream) {
        Err(Reject(status, message, kind)) => (status, error_body(&message, kind), String::new()),
        Ok(req) => {
            let what = format!("{} {}", req.method, req.path);
            match route(server, &req) {
                Ok((body, note)) => (200, body, format!("{what} {note}")),
                Err(Reject(status, message, kind)) => (status, error_body(&message, kind), what),
            }
        }
    };
    let _ = respond(&mut stream, status, &body);
    eprintln!(
        "serve-judge: {what} -> {status} in {:.2} s",
        started.elapsed().as_secs_f64()
    );
}

fn read_request(stream: &TcpStream) -> Result<Request, Reject> {
    let bad = |m: &str| Reject(400, m.to_string(), "invalid_request_error");
    let mut reader = BufReader::new(stream);
    let mut head = Vec::new();
    loop {
        let mut line = Vec::new();
        let n = (&mut reader)
            .take((MAX_HEAD + 1 - head.len().min(MAX_HEAD)) as u64)
            .read_until(b'\n', &mut line)
            .map_err(|e| bad(&format!("cannot read the request: {e}")))?;
        if n == 0 {
            return Err(bad("the connection closed inside the request head"));
        }
        head.extend_from_slice(&line);
        if head.len() > MAX_HEAD {
            return Err(Reject(
                431,
                "request headers too large".into(),
                "invalid_request_error",
            ));
        }
        if line == b"\r\n" || line == b"\n" {
            break;
        }
    }
    let head = String::from_utf8_lossy(&head);
    let mut lines = head.lines();
    let first = lines.next().unwrap_or_default();
    let mut parts = first.split_whitespace();
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
        return Err(bad("malformed request line"));
    };
    let mut length = 0usize;
    for line in lines {
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        let (k, v) = (k.trim().to_ascii_lowercase(), v.trim());
        if k == "content-length" {
            length = v.parse().map_err(|_| bad("bad Content-Length"))?;
        } else if k == "transfer-encoding" && !v.eq_ignore_ascii_case("identity") {
            return Err(Reject(
                411,
                "send a Content-Length; chunked bodies are not supported".into(),
                "invalid_request_error",
            ));
        }
    }
    if length > MAX_BODY {
        return Err(Reject(
            413,
            format!("the body is {length} bytes; at most {MAX_BODY} are taken"),
            "invalid_request_error",
        ));
    }
    let mut body = vec![0; length];
    reader
        .read_exact(&mut body)
        .map_err(|e| bad(&format!("cannot read the body: {e}")))?;
    Ok(Request {
        method: method.to_string(),
        path: target.split('?').next().unwrap_or(target).to_string(),
        body,
    })
}

fn route(server: &Server, req: &Request) -> Result<(Value, String), Reject> {
    match (req.method.as_str(), req.path.as_str()) {
        ("GET", "/health") => Ok((json!({"status": "ok"}), String::new())),
        ("GET", "/v1/models") => Ok((
            json!({"object": "list", "data": [{"id": server.name, "object": "model", "owned_by": "rewasm"}]}),
            String::new(),
        )),
        ("POST", "/v1/chat/completions") => chat(server, &req.body),
        (_, "/v1/chat/completions" | "/v1/models" | "/health") => Err(Reject(
            405,
            format!("{} is not allowed on {}", req.method, req.path),
            "invalid_request_error",
        )),
        _ => Err(Reject(
            404,
            format!("no route {} {}", req.method, req.path),
            "not_found_error",
        )),
    }
}

fn chat(server: &Server, body: &[u8]) -> Result<(Value, String), Reject> {
    let bad = |m: String| Reject(400, m, "invalid_request_error");
    let v: Value =
        serde_json::from_slice(body).map_err(|e| bad(format!("the body is not JSON: {e}")))?;
    if let Some(m) = v.get("model").and_then(Value::as_str) {
        if m != server.name {
            return Err(Reject(
                404,
                format!(
                    "model {m:?} is not served here (this server has {:?})",
                    server.name
                ),
                "model_not_found",
            ));
        }
    }
    if v.get("stream").and_then(Value::as_bool) == Some(true) {
        return Err(bad("streaming is not supported".into()));
    }
    if v.get("n").and_then(Value::as_u64).is_some_and(|n| n != 1) {
        return Err(bad("only n = 1 is supported".into()));
    }
    let Some(messages) = v.get("messages").and_then(Value::as_array) else {
        return Err(bad("`messages` must be a list".into()));
    };
    if messages.is_empty() {
        return Err(bad("`messages` is empty".into()));
    }
    let mut conversation = Vec::new();
    for (i, m) in messages.iter().enumerate() {
        let role = m
            .get("role")
            .and_then(Value::as_str)
            .ok_or_else(|| bad(format!("messages[{i}].role is missing")))?;
        let content = match m.get("content") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Array(parts)) => parts
                .iter()
                .filter(|p| p.get("type").and_then(Value::as_str) == Some("text"))
                .filter_map(|p| p.get("text").and_then(Value::as_str))
                .collect::<Vec<_>>()
                .join(""),
            _ => return Err(bad(format!("messages[{i}].content must be text"))),
        };
        conversation.push(Message::new(role, &content));
    }
    let number = |key: &str| v.get(key).filter(|x| !x.is_null());
    let max_tokens = match number("max_completion_tokens").or_else(|| number("max_tokens")) {
        None => 256,
        Some(x) => x
            .as_u64()
            .filter(|&n| n >= 1)
            .ok_or_else(|| bad("max_tokens must be a positive integer".into()))?
            as usize,
    }
    .min(server.cap);
    let temperature = match number("temperature") {
        None => 1.0,
        Some(x) => x
            .as_f64()
            .filter(|t| (0.0..=2.0).contains(t))
            .ok_or_else(|| bad("temperature must be in [0, 2]".into()))?,
    };
    let top_p = match number("top_p") {
        None => 1.0,
        Some(x) => x
            .as_f64()
            .filter(|p| *p > 0.0 && *p <= 1.0)
            .ok_or_else(|| bad("top_p must be in (0, 1]".into()))?,
    };
    let seed = number("seed").and_then(Value::as_i64).unwrap_or(0);
    let stop = match number("stop") {
        None => Vec::new(),
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .map(|s| s.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| bad("stop must be a string or a list of strings".into()))?,
        Some(_) => return Err(bad("stop must be a string or a list of strings".into())),
    };
    let params = ChatParams {
        max_tokens,
        temperature,
        top_p,
        seed,
        stop,
    };
    let answer = {
        let model = server.model.lock().unwrap_or_else(|e| e.into_inner());
        model.chat(std::slice::from_ref(&conversation), &params)
    }
    .map_err(|e| Reject(500, format!("{e:#}"), "server_error"))?
    .pop()
    .ok_or_else(|| Reject(500, "no answer".into(), "server_error"))?;
    let n = server.served.fetch_add(1, Ordering::Relaxed) + 1;
    let created = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let note = format!(
        "#{n}: {} prompt + {} completion tokens",
        answer.prompt_tokens, answer.completion_tokens
    );
    Ok((
        json!({
            "id": format!("chatcmpl-rewasm-{n}"),
            "object": "chat.completion",
            "created": created,
            "model": server.name,
            "choices": [{
                "index": 0,
                "message": {"role": "assistant", "content": answer.text},
                "finish_reason": if answer.finished { "stop" } else { "length" },
            }],
            "usage": {
                "prompt_tokens": answer.prompt_tokens,
                "completion_tokens": answer.completion_tokens,
                "total_tokens": answer.prompt_tokens + answer.completion_tokens,
            },
        }),
        note,
    ))
}

fn error_body(message: &str, kind: &str) -> Value {
    json!({"error": {"message": message, "type": kind}})
}

fn respond(stream: &mut TcpStream, status: u16, body: &Value) -> std::io::Result<()> {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        411 => "Length Required",
        413 => "Payload Too Large",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => "Internal Server Error",
    };
    let body = body.to_string();
    write!(
        stream,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    stream.flush()
}
