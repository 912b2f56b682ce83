//! TLS for IMAP and SMTP: rustls with ring (what reqwest already builds), checking a
//! server's certificate against Mozilla's roots, plus the roots of an admin's own CA file
//! for servers on a company network signed by an internal CA. Never "accept any
//! certificate": a user-named server whose certificate does not check is refused, and the
//! test action says so.

use std::sync::Arc;
use tokio_rustls::rustls::pki_types::CertificateDer;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::{ClientConfig, RootCertStore, crypto};

/// A client configuration trusting Mozilla's roots and those in `extra_roots_pem`.
pub fn client_config(extra_roots_pem: Option<&[u8]>) -> Result<Arc<ClientConfig>, String> {
    let mut roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    if let Some(pem) = extra_roots_pem {
        let mut added = 0;
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|e| format!("the CA file is not PEM certificates: {e}"))?;
            roots
                .add(cert)
                .map_err(|e| format!("the CA file holds a certificate that is no CA: {e}"))?;
            added += 1;
        }
        if added == 0 {
            return Err("the CA file holds no certificate".into());
        }
    }
    let config = ClientConfig::builder_with_provider(Arc::new(crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}
