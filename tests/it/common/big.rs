//! A big message: one 40 MB file in base64, as a sender who mails scans to a connected
//! address makes it (`tests/it/big_messages.rs`, `benches/sync_throughput.rs --big`).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// The size of the file a big message carries.
pub const BIG: usize = 40 * 1024 * 1024;

/// Big message `k` (its file's bytes differ by `k`) to `to`.
pub fn big_message(k: usize, to: &str) -> Vec<u8> {
    let file: Vec<u8> = (0..BIG).map(|i| (i % 251) as u8 ^ k as u8).collect();
    let encoded = STANDARD.encode(&file);
    let mut raw = format!(
        "Message-ID: <big-{k}@sender.test>\r\nFrom: Sender <big@sender.test>\r\nTo: {to}\r\n\
Subject: Scans part {k}\r\nDate: Thu, 05 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n\
Part {k} of the scans.\r\n--b\r\nContent-Type: application/octet-stream\r\n\
Content-Disposition: attachment; filename=scans-{k}.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    )
    .into_bytes();
    for line in encoded.as_bytes().chunks(76) {
        raw.extend_from_slice(line);
        raw.extend_from_slice(b"\r\n");
    }
    raw.extend_from_slice(b"--b--\r\n");
    raw
}
