//! Mail sent by one emulator user reaches the others: recipients who are users of either
//! provider get it in their inbox, without the Bcc header.

use crate::mail::{StoredMessage, meta_from_raw};
use crate::world::{Provider, World, now_ms};

/// The bytes without any `Bcc:` header (and its continuation lines).
pub fn strip_bcc(raw: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = match text.find("\r\n\r\n") {
        Some(at) => (&text[..at + 2], &text[at + 2..]),
        None => (text.as_ref(), ""),
    };
    let mut out = String::with_capacity(raw.len());
    let mut skipping = false;
    for line in head.split_inclusive("\r\n") {
        if line.starts_with([' ', '\t']) {
            if !skipping {
                out.push_str(line);
            }
            continue;
        }
        skipping = line.to_ascii_lowercase().starts_with("bcc:");
        if !skipping {
            out.push_str(line);
        }
    }
    out.push_str(body);
    if out.len() == text.len() && !text.contains("\r\n\r\n") {
        return raw.to_vec();
    }
    out.into_bytes()
}

/// Delivers `raw` to every recipient that is an emulator user, except the sender.
pub fn deliver_to_recipients(world: &mut World, raw: &[u8], sender: &str) {
    let Some(meta) = meta_from_raw(raw, now_ms()) else {
        return;
    };
    let delivered = strip_bcc(raw);
    let mut recipients: Vec<String> = meta
        .to
        .iter()
        .chain(&meta.cc)
        .chain(&meta.bcc)
        .map(|p| p.address.to_lowercase())
        .filter(|a| a != sender)
        .collect();
    recipients.sort();
    recipients.dedup();
    for address in recipients {
        for provider in [Provider::Google, Provider::Microsoft] {
            if world.user(provider, &address).is_some()
                && let Some(stored) = StoredMessage::from_raw(&delivered, now_ms())
            {
                world.deliver(provider, &address, stored);
            }
        }
    }
}
