//! Who is running fabctl, as the audit log records it: the process's real account
//! (its uid looked up in `/etc/passwd`, never only `$USER`, which anyone can set), and
//! in a Kubernetes pod the service account (the `sub` claim of the pod's token) and
//! the pod's name (`POD_NAME` from the Downward API, else, in a pod, the host name,
//! which Kubernetes sets to the pod's name).

use std::path::Path;

use serde::Serialize;

/// Where Kubernetes mounts a pod's service-account token.
const TOKEN: &str = "/var/run/secrets/kubernetes.io/serviceaccount/token";

/// The identity fields of every audit line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Identity {
    /// The account name of the real uid, or `uid N` when the account has no name.
    pub user: String,
    pub uid: u32,
    /// `$USER` (else `$LOGNAME`) when it names someone else than `user`: a hint, as
    /// anyone can set it (a `sudo`, a shared account).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub env_user: Option<String>,
    /// `namespace/name` of the pod's service account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_account: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod: Option<String>,
}

impl Identity {
    /// This process's identity.
    pub fn current(host: &str) -> Identity {
        let uid = rustix::process::getuid().as_raw();
        let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
        let user = account_name(&passwd, uid).unwrap_or_else(|| format!("uid {uid}"));
        let env_user = std::env::var("USER")
            .or_else(|_| std::env::var("LOGNAME"))
            .ok()
            .filter(|u| !u.is_empty() && *u != user);
        let service_account = std::fs::read_to_string(Path::new(TOKEN))
            .ok()
            .and_then(|token| service_account(&token));
        // In a pod (a token, or the variables Kubernetes sets in every container,
        // also without a token): `POD_NAME` when the Downward API gives it, else the
        // host name, which Kubernetes sets to the pod's name.
        let in_pod =
            service_account.is_some() || std::env::var_os("KUBERNETES_SERVICE_HOST").is_some();
        let pod = std::env::var("POD_NAME")
            .ok()
            .filter(|p| !p.is_empty())
            .or_else(|| in_pod.then(|| host.to_owned()));
        Identity {
            user,
            uid,
            env_user,
            service_account,
            pod,
        }
    }

    /// Who, in one phrase: the service account in a pod, else the account.
    pub fn describe(&self) -> String {
        match &self.service_account {
            Some(sa) => format!("serviceaccount {sa}"),
            None => self.user.clone(),
        }
    }
}

/// The name of `uid` in an `/etc/passwd` text.
fn account_name(passwd: &str, uid: u32) -> Option<String> {
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        let id = fields.nth(1)?.parse::<u32>().ok()?;
        (id == uid && !name.is_empty()).then(|| name.to_owned())
    })
}

/// `namespace/name` from a service-account token's `sub` claim
/// (`system:serviceaccount:NAMESPACE:NAME`). The token is not verified: it is the one
/// the kubelet mounted into this pod, read to name the pod's identity, not to trust.
fn service_account(token: &str) -> Option<String> {
    let payload = token.trim().split('.').nth(1)?;
    let claims: serde_json::Value = serde_json::from_slice(&base64url(payload)?).ok()?;
    let sub = claims.get("sub")?.as_str()?;
    let rest = sub.strip_prefix("system:serviceaccount:")?;
    let (namespace, name) = rest.split_once(':')?;
    Some(format!("{namespace}/{name}"))
}

/// Decodes unpadded base64url (a JWT segment).
fn base64url(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.trim_end_matches('=').bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_uid_is_looked_up_not_taken_from_user() {
        let passwd = "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/sh\n\
                      nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n";
        assert_eq!(account_name(passwd, 1000).as_deref(), Some("alice"));
        assert_eq!(account_name(passwd, 65532).as_deref(), Some("nonroot"));
        assert_eq!(account_name(passwd, 4242), None);
        assert_eq!(account_name("garbage\n::x\n", 0), None);
    }

    #[test]
    fn the_current_identity_names_the_real_account() {
        let id = Identity::current("h");
        assert_eq!(id.uid, rustix::process::getuid().as_raw());
        assert!(!id.user.is_empty());
        assert_ne!(id.env_user.as_deref(), Some(id.user.as_str()));
    }

    #[test]
    fn a_pod_token_names_its_service_account() {
        // {"iss":"kubernetes/serviceaccount","sub":"system:serviceaccount:plant-a:fabctl-agent"}
        let payload = "eyJpc3MiOiJrdWJlcm5ldGVzL3NlcnZpY2VhY2NvdW50Iiwic3ViIjoic3lzdGVtOnNlcnZpY2VhY2NvdW50OnBsYW50LWE6ZmFiY3RsLWFnZW50In0";
        let token = format!("eyJhbGciOiJSUzI1NiJ9.{payload}.c2lnbmF0dXJl\n");
        assert_eq!(
            service_account(&token).as_deref(),
            Some("plant-a/fabctl-agent")
        );
        assert_eq!(service_account("not a token"), None);
        assert_eq!(service_account("a.!!!.b"), None);
    }

    #[test]
    fn base64url_decodes_unpadded_text() {
        assert_eq!(base64url("aGVsbG8").as_deref(), Some(&b"hello"[..]));
        assert_eq!(base64url("aGk_").as_deref(), Some(&[0x68, 0x69, 0x3f][..]));
    }
}
