//! The few calls of the OCI Distribution API that push and pull need, over
//! blocking HTTP (ureq). Every blob read is checked against its descriptor's
//! size and digest before anyone sees it.

use std::time::Duration;

use ureq::Agent;

use super::artifact::{digest_of, Descriptor, MANIFEST_MEDIA_TYPE};
use super::OciRef;
use crate::Error;

/// One repository of one registry.
pub(crate) struct Registry {
    agent: Agent,
    /// `http://HOST:PORT` or `https://HOST:PORT`.
    base: String,
    registry: String,
    repository: String,
}

/// A response: its status, `Location` header and body.
struct Reply {
    status: u16,
    location: Option<String>,
    body: Vec<u8>,
}

impl Registry {
    /// A client for `reference`'s repository: plain http for loopback hosts
    /// (or with `REWASM_OCI_INSECURE=1`), https otherwise.
    pub fn new(reference: &OciRef) -> Result<Self, Error> {
        let plain = reference.plain_http();
        if !plain && !cfg!(feature = "oci-tls") {
            return Err(Error::OciHttpsUnsupported {
                registry: reference.registry.clone(),
            });
        }
        let mut config = Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(10)))
            .timeout_global(Some(Duration::from_secs(600)))
            .user_agent(concat!("rewasm/", env!("CARGO_PKG_VERSION")));
        if reference.is_loopback() {
            // An http(s)_proxy meant for the outside world must not swallow
            // a registry on this machine.
            config = config.proxy(None);
        }
        Ok(Registry {
            agent: config.build().into(),
            base: format!(
                "{}://{}",
                if plain { "http" } else { "https" },
                reference.registry
            ),
            registry: reference.registry.clone(),
            repository: reference.repository.clone(),
        })
    }

    /// The manifest `reference` (tag or digest), or `None` when the registry
    /// has no such manifest.
    pub fn get_manifest(&self, reference: &str) -> Result<Option<Vec<u8>>, Error> {
        let path = format!("manifests/{reference}");
        let reply = self.call(
            "GET",
            &self.url(&path),
            &[("Accept", MANIFEST_MEDIA_TYPE)],
            None,
            MAX_MANIFEST,
        )?;
        match reply.status {
            200 => Ok(Some(reply.body)),
            404 => Ok(None),
            _ => Err(self.refused("GET", &path, &reply)),
        }
    }

    /// The blob `descriptor` names, checked against its size and digest.
    pub fn get_blob(
        &self,
        descriptor: &Descriptor,
        what: &str,
        max: u64,
    ) -> Result<Vec<u8>, Error> {
        if descriptor.size > max {
            return Err(Error::OciRegistry {
                registry: self.registry.clone(),
                message: format!(
                    "{what} {} is {} bytes, more than the {max} this client accepts",
                    descriptor.digest, descriptor.size
                ),
            });
        }
        let path = format!("blobs/{}", descriptor.digest);
        // One byte past the size, so a longer body shows as a wrong digest.
        let reply = self.call("GET", &self.url(&path), &[], None, descriptor.size + 1)?;
        if reply.status != 200 {
            return Err(self.refused("GET", &path, &reply));
        }
        let found = digest_of(&reply.body);
        if found != descriptor.digest || reply.body.len() as u64 != descriptor.size {
            return Err(Error::OciDigestMismatch {
                what: format!("{what} of {}/{}", self.registry, self.repository),
                expected: descriptor.digest.clone(),
                found,
            });
        }
        Ok(reply.body)
    }

    /// Uploads `bytes` as a blob unless the registry has it already
    /// (HEAD, then a monolithic POST + PUT).
    pub fn put_blob(&self, bytes: &[u8]) -> Result<(), Error> {
        let digest = digest_of(bytes);
        let path = format!("blobs/{digest}");
        let head = self.call("HEAD", &self.url(&path), &[], None, 0)?;
        match head.status {
            200 => return Ok(()),
            404 => {}
            _ => return Err(self.refused("HEAD", &path, &head)),
        }
        let start = self.call(
            "POST",
            &self.url("blobs/uploads/"),
            &[],
            Some(&[]),
            MAX_ERROR,
        )?;
        let location = match (start.status, &start.location) {
            (202, Some(location)) => location.clone(),
            _ => return Err(self.refused("POST", "blobs/uploads/", &start)),
        };
        let mut url = if location.starts_with("http://") || location.starts_with("https://") {
            location
        } else {
            format!("{}{location}", self.base)
        };
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str("digest=");
        url.push_str(&digest);
        let put = self.call(
            "PUT",
            &url,
            &[("Content-Type", "application/octet-stream")],
            Some(bytes),
            MAX_ERROR,
        )?;
        if put.status != 201 {
            return Err(self.refused("PUT", &format!("blobs/uploads/ ({digest})"), &put));
        }
        Ok(())
    }

    /// Stores `manifest` under `reference` (a tag); returns its digest.
    pub fn put_manifest(&self, reference: &str, manifest: &[u8]) -> Result<String, Error> {
        let path = format!("manifests/{reference}");
        let reply = self.call(
            "PUT",
            &self.url(&path),
            &[("Content-Type", MANIFEST_MEDIA_TYPE)],
            Some(manifest),
            MAX_ERROR,
        )?;
        if reply.status != 201 {
            return Err(self.refused("PUT", &path, &reply));
        }
        Ok(digest_of(manifest))
    }

    fn url(&self, path: &str) -> String {
        format!("{}/v2/{}/{path}", self.base, self.repository)
    }

    fn call(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
        limit: u64,
    ) -> Result<Reply, Error> {
        let unreachable = |e: ureq::Error| self.unreachable(e);
        let response = match method {
            "GET" | "HEAD" => {
                let mut req = if method == "GET" {
                    self.agent.get(url)
                } else {
                    self.agent.head(url)
                };
                for (k, v) in headers {
                    req = req.header(*k, *v);
                }
                req.call()
            }
            _ => {
                let mut req = if method == "PUT" {
                    self.agent.put(url)
                } else {
                    self.agent.post(url)
                };
                for (k, v) in headers {
                    req = req.header(*k, *v);
                }
                req.send(body.unwrap_or_default())
            }
        }
        .map_err(unreachable)?;
        let status = response.status().as_u16();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let location = header("Location");
        let body = if method == "HEAD" {
            Vec::new()
        } else {
            match response
                .into_body()
                .into_with_config()
                .limit(limit.max(MAX_ERROR))
                .read_to_vec()
            {
                Ok(b) => b,
                // A body past the limit is refused by the caller's size check.
                Err(ureq::Error::BodyExceedsLimit(_)) => {
                    return Err(Error::OciRegistry {
                        registry: self.registry.clone(),
                        message: format!(
                            "{method} {url}: the response is larger than expected ({limit} bytes)"
                        ),
                    })
                }
                Err(e) => return Err(unreachable(e)),
            }
        };
        Ok(Reply {
            status,
            location,
            body,
        })
    }

    fn unreachable(&self, e: ureq::Error) -> Error {
        let cause = match e {
            ureq::Error::Io(io) => match io.kind() {
                std::io::ErrorKind::ConnectionRefused => "connection refused".to_string(),
                std::io::ErrorKind::ConnectionReset => "connection reset".to_string(),
                std::io::ErrorKind::TimedOut => "timed out".to_string(),
                _ => io.to_string(),
            },
            ureq::Error::HostNotFound => format!("host `{}` not found", host_only(&self.registry)),
            ureq::Error::Timeout(t) => format!("timed out ({t})"),
            other => other.to_string(),
        };
        Error::OciUnreachable {
            registry: self.registry.clone(),
            cause,
        }
    }

    /// An unexpected status, with the registry's own error code and message
    /// when it sent the standard error body.
    fn refused(&self, method: &str, path: &str, reply: &Reply) -> Error {
        let mut message = format!(
            "{method} /v2/{}/{path}: HTTP {}",
            self.repository, reply.status
        );
        if let Ok(body) = serde_json::from_slice::<serde_json::Value>(&reply.body) {
            if let Some(errors) = body["errors"].as_array() {
                for e in errors {
                    let code = e["code"].as_str().unwrap_or("");
                    let text = e["message"].as_str().unwrap_or("");
                    message.push_str(&format!(" {code}: {text}"));
                    if !e["detail"].is_null() {
                        message.push_str(&format!(" ({})", e["detail"]));
                    }
                }
            }
        }
        if reply.status == 401 || reply.status == 403 {
            message.push_str(
                " (the registry wants credentials; rewasm's OCI client does not log in yet)",
            );
        }
        Error::OciRegistry {
            registry: self.registry.clone(),
            message,
        }
    }
}

fn host_only(registry: &str) -> &str {
    registry.rsplit_once(':').map_or(registry, |(h, _)| h)
}

/// The largest manifest read (the distribution spec's registries take 4 MiB).
const MAX_MANIFEST: u64 = 4 << 20;
/// The most read of an error or upload reply body.
const MAX_ERROR: u64 = 64 << 10;
