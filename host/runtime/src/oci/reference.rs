//! `oci://HOST[:PORT]/REPO[:TAG][@sha256:HEX]` references.

use std::fmt;
use std::net::Ipv4Addr;
use std::str::FromStr;

use crate::Error;

/// A reference to a module in an OCI registry, as written in a reward set or
/// on the command line: `oci://HOST[:PORT]/REPO[:TAG][@sha256:HEX]`.
///
/// There is no default registry: the first path segment is always the host.
/// A reference with `@sha256:` is *pinned* to one manifest; a tag alone may
/// move. With both, the digest decides and the tag is informational.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OciRef {
    /// `HOST` or `HOST:PORT` (an IPv6 host in brackets).
    pub registry: String,
    /// The repository path, e.g. `rewards/math-accuracy`.
    pub repository: String,
    /// The tag, if one was given.
    pub tag: Option<String>,
    /// The manifest digest, `sha256:<64 lowercase hex>`, if pinned.
    pub digest: Option<String>,
}

impl OciRef {
    /// Parses `oci://HOST[:PORT]/REPO[:TAG][@sha256:HEX]`; the error says
    /// which part is wrong.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let bad = |message: String| Error::OciReference {
            reference: text.to_string(),
            message,
        };
        let rest = text.strip_prefix("oci://").ok_or_else(|| {
            bad("must start with `oci://` (oci://HOST[:PORT]/REPO[:TAG][@sha256:HEX])".into())
        })?;
        let (registry, path) = rest.split_once('/').ok_or_else(|| {
            bad("no repository after the registry host (oci://HOST[:PORT]/REPO)".into())
        })?;
        check_registry(registry).map_err(bad)?;

        let (name_tag, digest) = match path.split_once('@') {
            Some((n, d)) => (n, Some(parse_digest(d).map_err(bad)?)),
            None => (path, None),
        };
        // A tag follows the last ':' of the last path segment (the host's
        // port was split off above).
        let last_slash = name_tag.rfind('/').map_or(0, |i| i + 1);
        let (repository, tag) = match name_tag[last_slash..].find(':') {
            Some(i) => (
                &name_tag[..last_slash + i],
                Some(&name_tag[last_slash + i + 1..]),
            ),
            None => (name_tag, None),
        };
        check_repository(repository).map_err(bad)?;
        if let Some(tag) = tag {
            check_tag(tag).map_err(bad)?;
        }
        Ok(OciRef {
            registry: registry.to_string(),
            repository: repository.to_string(),
            tag: tag.map(str::to_string),
            digest,
        })
    }

    /// Whether the reference names one manifest by digest.
    pub fn is_pinned(&self) -> bool {
        self.digest.is_some()
    }

    /// What goes after `/manifests/` in the registry API: the digest when
    /// pinned, else the tag, else `latest`.
    pub fn manifest_reference(&self) -> &str {
        self.digest
            .as_deref()
            .or(self.tag.as_deref())
            .unwrap_or("latest")
    }

    /// The same reference pinned to `manifest_digest` (`sha256:<hex>`).
    pub fn pinned(&self, manifest_digest: &str) -> OciRef {
        OciRef {
            digest: Some(manifest_digest.to_string()),
            ..self.clone()
        }
    }

    /// The host without its port (IPv6 without brackets).
    pub fn host(&self) -> &str {
        host_of(&self.registry)
    }

    /// Whether the registry is reached over plain http: loopback hosts
    /// always, any host when `REWASM_OCI_INSECURE=1`.
    pub fn plain_http(&self) -> bool {
        self.is_loopback()
            || std::env::var("REWASM_OCI_INSECURE").is_ok_and(|v| v == "1" || v == "true")
    }

    /// Whether the host is `localhost`, `127.x.x.x` or `::1`.
    pub fn is_loopback(&self) -> bool {
        let host = self.host();
        host.eq_ignore_ascii_case("localhost")
            || host == "::1"
            || host.parse::<Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
    }
}

impl fmt::Display for OciRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "oci://{}/{}", self.registry, self.repository)?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

impl FromStr for OciRef {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        OciRef::parse(s)
    }
}

fn host_of(registry: &str) -> &str {
    if let Some(rest) = registry.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    registry.split(':').next().unwrap_or(registry)
}

fn check_registry(registry: &str) -> Result<(), String> {
    if registry.is_empty() {
        return Err("empty registry host".into());
    }
    let (host, port) = if let Some(rest) = registry.strip_prefix('[') {
        let (v6, after) = rest
            .split_once(']')
            .ok_or_else(|| format!("registry `{registry}`: unclosed `[` in an IPv6 host"))?;
        if v6.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(format!(
                "registry `{registry}`: `{v6}` is not an IPv6 address"
            ));
        }
        match after {
            "" => return Ok(()),
            p => (
                v6,
                p.strip_prefix(':')
                    .ok_or_else(|| format!("registry `{registry}`: expected `:PORT` after `]`"))?,
            ),
        }
    } else {
        match registry.split_once(':') {
            Some((h, p)) => (h, p),
            None => (registry, ""),
        }
    };
    let host_ok = !host.is_empty()
        && host.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if !registry.starts_with('[') && !host_ok {
        return Err(format!(
            "registry host `{host}` is not a host name or IPv4 address"
        ));
    }
    if registry.contains(':')
        && !registry.ends_with(']')
        && port.parse::<u16>().map_or(true, |p| p == 0)
    {
        return Err(format!(
            "registry port `{port}` is not a port number (1-65535)"
        ));
    }
    Ok(())
}

/// Repository paths as the distribution spec has them: lowercase
/// `[a-z0-9]+` runs joined by `.`, `_`, `__` or dashes, in `/` segments.
fn check_repository(repository: &str) -> Result<(), String> {
    let explain = |why: &str| {
        format!(
            "repository `{repository}` {why} (lowercase letters and digits, joined by `.`, `_`, `__` or `-`, in `/`-separated segments)"
        )
    };
    if repository.is_empty() {
        return Err(explain("is empty"));
    }
    for segment in repository.split('/') {
        if segment.is_empty() {
            return Err(explain("has an empty segment"));
        }
        let mut prev_sep: Option<char> = Some('/');
        let mut run = 0;
        for c in segment.chars() {
            if c.is_ascii_lowercase() || c.is_ascii_digit() {
                prev_sep = None;
                run = 0;
            } else if matches!(c, '.' | '_' | '-') {
                let ok = match prev_sep {
                    None => true,
                    Some('_') => c == '_' && run == 1,
                    Some('-') => c == '-',
                    _ => false,
                };
                if !ok {
                    return Err(explain(&format!("has a misplaced `{c}`")));
                }
                run += 1;
                prev_sep = Some(c);
            } else {
                return Err(explain(&format!("contains `{c}`")));
            }
        }
        if prev_sep.is_some() {
            return Err(explain("has a segment ending in a separator"));
        }
    }
    Ok(())
}

fn check_tag(tag: &str) -> Result<(), String> {
    let mut chars = tag.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
    if !first_ok
        || tag.len() > 128
        || !chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
    {
        return Err(format!(
            "tag `{tag}` is not a valid tag (letters, digits, `_`, `.`, `-`; at most 128; not starting with `.` or `-`)"
        ));
    }
    Ok(())
}

/// `sha256:<64 hex>`, lowercased.
fn parse_digest(digest: &str) -> Result<String, String> {
    let hex = digest
        .strip_prefix("sha256:")
        .ok_or_else(|| format!("digest `{digest}` must be `sha256:` followed by 64 hex digits"))?;
    if hex.len() != 64 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(format!(
            "digest `{digest}` must be `sha256:` followed by 64 hex digits"
        ));
    }
    Ok(format!("sha256:{}", hex.to_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> OciRef {
        OciRef::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn err(text: &str) -> String {
        match OciRef::parse(text) {
            Ok(r) => panic!("{text} parsed as {r:?}"),
            Err(e) => e.to_string(),
        }
    }

    const HEX: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn parses_host_port_repo_tag_and_digest() {
        let r = ok("oci://127.0.0.1:5000/rewards/math:1.0");
        assert_eq!(r.registry, "127.0.0.1:5000");
        assert_eq!(r.repository, "rewards/math");
        assert_eq!(r.tag.as_deref(), Some("1.0"));
        assert_eq!(r.digest, None);
        assert_eq!(r.manifest_reference(), "1.0");
        assert!(r.is_loopback() && r.plain_http() && !r.is_pinned());

        let r = ok(&format!(
            "oci://ghcr.io/org/team/iou@sha256:{}",
            HEX.to_uppercase()
        ));
        assert_eq!(r.registry, "ghcr.io");
        assert_eq!(r.host(), "ghcr.io");
        assert_eq!(r.repository, "org/team/iou");
        assert_eq!(r.tag, None);
        assert_eq!(r.digest.as_deref(), Some(format!("sha256:{HEX}").as_str()));
        assert_eq!(r.manifest_reference(), format!("sha256:{HEX}"));
        assert!(r.is_pinned() && !r.is_loopback());

        let r = ok(&format!("oci://localhost/a.b_c__d-e--f:v_1-2@sha256:{HEX}"));
        assert_eq!(r.repository, "a.b_c__d-e--f");
        assert_eq!(r.tag.as_deref(), Some("v_1-2"));
        assert!(r.is_loopback());
        assert_eq!(
            r.to_string(),
            format!("oci://localhost/a.b_c__d-e--f:v_1-2@sha256:{HEX}")
        );

        let r = ok("oci://[::1]:5000/m");
        assert_eq!(r.host(), "::1");
        assert!(r.is_loopback());
        assert_eq!(r.manifest_reference(), "latest");
        assert_eq!(ok("oci://reg.example:443/m").host(), "reg.example");
    }

    #[test]
    fn display_round_trips_and_pinning_keeps_the_tag() {
        for text in [
            "oci://127.0.0.1:5000/rewards/math:1.0",
            "oci://reg.example/x",
            "oci://[::1]:5000/a/b:c",
        ] {
            assert_eq!(ok(text).to_string(), text);
        }
        let pinned = ok("oci://127.0.0.1:5000/r:t").pinned(&format!("sha256:{HEX}"));
        assert_eq!(
            pinned.to_string(),
            format!("oci://127.0.0.1:5000/r:t@sha256:{HEX}")
        );
        assert_eq!(ok(&pinned.to_string()), pinned);
    }

    #[test]
    fn errors_say_which_part_is_wrong() {
        assert!(err("127.0.0.1:5000/r:t").contains("must start with `oci://`"));
        assert!(err("oci://127.0.0.1:5000").contains("no repository"));
        assert!(err("oci://127.0.0.1:99999/r").contains("port `99999`"));
        assert!(err("oci://127.0.0.1:/r").contains("port ``"));
        assert!(err("oci://bad_host/r").contains("registry host `bad_host`"));
        assert!(err("oci://[::1/r").contains("unclosed"));
        assert!(err("oci://h/Rewards").contains("repository `Rewards` contains `R`"));
        assert!(err("oci://h/a//b").contains("empty segment"));
        assert!(err("oci://h/a-/b").contains("ending in a separator"));
        assert!(err("oci://h/a.-b").contains("misplaced `-`"));
        assert!(err("oci://h/a___b").contains("misplaced `_`"));
        assert!(err("oci://h/").contains("is empty"));
        assert!(err("oci://h/r:").contains("tag ``"));
        assert!(err("oci://h/r:.x").contains("tag `.x`"));
        assert!(err(&format!("oci://h/r:{}", "t".repeat(129))).contains("not a valid tag"));
        assert!(err("oci://h/r@sha256:abc").contains("64 hex digits"));
        assert!(err(&format!("oci://h/r@md5:{HEX}")).contains("must be `sha256:`"));
        let e = err("oci://h/r@x");
        assert!(e.starts_with("invalid OCI reference `oci://h/r@x`"), "{e}");
    }
}
