//! The same-origin rule: a download URL must be on the client's own host,
//! since its request carries the merchant's signed `Authorization` header.

use std::fmt;

use crate::error::{DownloadError, DownloadErrorKind, Error};

/// The path and query of `url`, when it has the same origin as `base`.
pub(super) fn same_origin_path(base: &str, url: &str) -> Result<String, Error> {
    let bad = || Error::from(DownloadError::new(DownloadErrorKind::BadUrl, None));
    let uri: http::Uri = url.trim().parse().map_err(|_| bad())?;
    let base: http::Uri = base.parse().map_err(|_| bad())?;
    let (Some(theirs), Some(ours)) = (origin(&uri), origin(&base)) else {
        return Err(bad());
    };
    if theirs != ours {
        return Err(DownloadError::new(
            DownloadErrorKind::ForeignHost {
                url_host: theirs.to_string(),
                client_host: ours.to_string(),
            },
            None,
        )
        .into());
    }
    Ok(uri
        .path_and_query()
        .map(|pq| pq.as_str().to_owned())
        .filter(|pq| pq.starts_with('/'))
        .unwrap_or_else(|| "/".to_owned()))
}

/// Scheme, host and port, normalised (lower case, default ports explicit).
#[derive(PartialEq, Eq)]
struct Origin {
    scheme: String,
    host: String,
    port: u16,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}:{}", self.scheme, self.host, self.port)
    }
}

fn origin(uri: &http::Uri) -> Option<Origin> {
    let scheme = uri.scheme_str()?.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "https" => 443,
        "http" => 80,
        _ => return None,
    };
    let authority = uri.authority()?;
    // Credentials in the authority (`user@host`) are never ours.
    if authority.as_str().contains('@') {
        return None;
    }
    Some(Origin {
        host: authority.host().to_ascii_lowercase(),
        port: authority.port_u16().unwrap_or(default_port),
        scheme,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_clients_own_origin_is_accepted() {
        let base = "https://api.mch.weixin.qq.com";
        assert_eq!(
            same_origin_path(
                base,
                "https://api.mch.weixin.qq.com/v3/billdownload/file?token=a%2Bb"
            )
            .unwrap(),
            "/v3/billdownload/file?token=a%2Bb"
        );
        assert!(same_origin_path(base, "HTTPS://API.mch.weixin.qq.com:443/x").is_ok());
        for foreign in [
            "https://evil.example/v3/billdownload/file?token=x",
            "http://api.mch.weixin.qq.com/x",
            "https://api.mch.weixin.qq.com:8443/x",
            "https://api.mch.weixin.qq.com.evil.example/x",
            "https://api2.mch.weixin.qq.com/x",
        ] {
            let e = same_origin_path(base, foreign).unwrap_err();
            assert!(
                matches!(&e, Error::Download(d) if matches!(d.kind, DownloadErrorKind::ForeignHost { .. })),
                "{foreign}: {e}"
            );
        }
        for bad in [
            "/v3/billdownload/file",
            "not a url",
            "ftp://api.mch.weixin.qq.com/x",
            "https://user@api.mch.weixin.qq.com/x",
        ] {
            let e = same_origin_path(base, bad).unwrap_err();
            assert!(
                matches!(&e, Error::Download(d) if matches!(d.kind, DownloadErrorKind::BadUrl)),
                "{bad}: {e}"
            );
        }
    }
}
