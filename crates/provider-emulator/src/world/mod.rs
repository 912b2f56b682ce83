//! The emulator's whole state: registered OAuth clients, users and their mailboxes,
//! grants and tokens, quotas and injected faults. One lock guards it; handlers take what
//! they need under the lock and do slow work (rendering MIME) outside it.

mod accounts;
pub mod directory;
pub mod gmail_box;
mod graph_box;
mod limits;
pub mod send_as;

pub use accounts::{AuthCode, Client, Grant, Token, TokenKind, TokenProblem, pkce_matches};
pub use gmail_box::{GmailBox, GmailLabel, GmailMessage, HistoryChange, HistoryRecord, LabelKind};
pub use graph_box::{DeltaPage, GraphBox, GraphCategory, GraphFolder, GraphMessage};
pub use limits::{
    Fault, FaultKind, Faults, LimitSettings, Limits, QuotaVerdict, SlotGuard,
    gmail_units as limits_units,
};

use crate::generate::{self, Generated};
use crate::mail::{Person, StoredMessage};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// Google or Microsoft.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    Google,
    Microsoft,
}

impl Provider {
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Google => "google",
            Provider::Microsoft => "microsoft",
        }
    }
}

/// Settings that shape behaviour, changeable through the control API.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `expires_in` of access tokens.
    pub access_token_ttl_secs: i64,
    /// History records Gmail keeps per mailbox; older start ids answer 404.
    pub gmail_history_retention: usize,
    /// Graph changes kept per mailbox; older delta tokens answer 410.
    pub graph_change_retention: usize,
    /// The newest generated message is dated just before this (epoch ms). Fixed by
    /// default so a seed always gives the same mailbox.
    pub generation_anchor_ms: i64,
    /// Delay of the `slow` fault.
    pub slow_ms: u64,
    /// Recipient addresses the providers refuse at send time, as they refuse an address
    /// they judge invalid (lower-cased).
    pub rejected_recipients: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            access_token_ttl_secs: 3599,
            gmail_history_retention: 50_000,
            graph_change_retention: 50_000,
            // 2026-11-01T00:00:00Z
            generation_anchor_ms: 1_793_491_200_000,
            slow_ms: 2_000,
            rejected_recipients: Vec::new(),
        }
    }
}

impl Settings {
    /// How many history records (Gmail) or changes (Graph) a mailbox keeps.
    pub fn retention(&self, provider: Provider) -> usize {
        match provider {
            Provider::Google => self.gmail_history_retention,
            Provider::Microsoft => self.graph_change_retention,
        }
    }

    /// The first of `addresses` the providers are told to refuse.
    pub fn rejected<'a>(&self, mut addresses: impl Iterator<Item = &'a str>) -> Option<&'a str> {
        addresses.find(|a| {
            self.rejected_recipients
                .iter()
                .any(|r| r.eq_ignore_ascii_case(a))
        })
    }
}

/// A user's mailbox, shaped by its provider.
#[derive(Debug)]
pub enum Mailbox {
    Gmail(Box<GmailBox>),
    Graph(Box<GraphBox>),
}

/// A provider account.
#[derive(Debug)]
pub struct User {
    pub provider: Provider,
    pub person: Person,
    /// Microsoft only: tenant, object id and the `mail` attribute Graph shows.
    pub directory: directory::DirectoryEntry,
    pub mailbox: Mailbox,
    /// Raw MIME of every message this user sent, oldest first: `(id, bytes)`.
    pub sent: Vec<(String, Vec<u8>)>,
    /// The addresses this user may send as besides the primary one, and the primary
    /// one's signature ([`send_as`]).
    pub send_as: send_as::SendAs,
}

/// Everything the emulator knows.
#[derive(Debug, Default)]
pub struct World {
    pub settings: Settings,
    pub clients: HashMap<(Provider, String), Client>,
    pub users: HashMap<(Provider, String), User>,
    pub codes: HashMap<String, AuthCode>,
    pub tokens: HashMap<String, Token>,
    pub limits: Limits,
    pub faults: Faults,
    /// Graph attachment upload sessions by id.
    pub uploads: HashMap<String, crate::microsoft::UploadSession>,
    /// Graph subscriptions, Gmail watches, Pub/Sub topics and the clock offset.
    pub push: crate::push::PushState,
}

impl World {
    /// Adds (or replaces) a user with `count` generated messages.
    pub fn add_user(
        &mut self,
        provider: Provider,
        email: &str,
        name: Option<&str>,
        count: usize,
        seed: u64,
    ) {
        let email = email.trim().to_lowercase();
        let person = Person {
            name: name.map_or_else(|| default_name(&email), ToString::to_string),
            address: email.clone(),
        };
        let generated: Vec<Generated> =
            generate::generate(&person, count, seed, self.settings.generation_anchor_ms);
        let mailbox = match provider {
            Provider::Google => Mailbox::Gmail(Box::new(GmailBox::new(generated, seed))),
            Provider::Microsoft => Mailbox::Graph(Box::new(GraphBox::new(generated, seed))),
        };
        self.users.insert(
            (provider, email),
            User {
                provider,
                directory: directory::DirectoryEntry::default_for(&person.address),
                person,
                mailbox,
                sent: Vec::new(),
                send_as: send_as::SendAs::default(),
            },
        );
    }

    /// The directory entry of a Microsoft sign-in name (configured, or its default).
    pub fn directory(&self, sign_in: &str) -> directory::DirectoryEntry {
        self.user(Provider::Microsoft, sign_in).map_or_else(
            || directory::DirectoryEntry::default_for(sign_in),
            |u| u.directory.clone(),
        )
    }

    pub fn user(&self, provider: Provider, email: &str) -> Option<&User> {
        self.users.get(&(provider, email.to_lowercase()))
    }

    pub fn user_mut(&mut self, provider: Provider, email: &str) -> Option<&mut User> {
        self.users.get_mut(&(provider, email.to_lowercase()))
    }

    /// Delivers incoming mail to a user's inbox; returns its provider id.
    pub fn deliver(
        &mut self,
        provider: Provider,
        email: &str,
        message: StoredMessage,
    ) -> Option<String> {
        let retention = self.settings.retention(provider);
        let user = self.user_mut(provider, email)?;
        Some(match &mut user.mailbox {
            Mailbox::Gmail(gmail) => {
                let id = gmail.insert(
                    message,
                    &["INBOX", "UNREAD", "CATEGORY_PERSONAL"],
                    None,
                    true,
                    retention,
                );
                format!("{id:016x}")
            }
            Mailbox::Graph(graph) => graph.insert(message, "inbox", false, false, retention),
        })
    }

    /// Saves `message` as a draft of `email`, as the user would in Gmail or Outlook:
    /// Gmail's draft id, or Graph's message id.
    pub fn save_draft(
        &mut self,
        provider: Provider,
        email: &str,
        message: StoredMessage,
    ) -> Option<String> {
        let retention = self.settings.retention(provider);
        let user = self.user_mut(provider, email)?;
        Some(match &mut user.mailbox {
            Mailbox::Gmail(gmail) => {
                let message = gmail.insert(message, &["DRAFT"], None, true, retention);
                let id = gmail.new_draft_id();
                gmail.drafts.insert(id.clone(), message);
                id
            }
            Mailbox::Graph(graph) => graph.insert(message, "drafts", true, true, retention),
        })
    }
}

fn default_name(email: &str) -> String {
    let local = email.split('@').next().unwrap_or(email);
    local
        .split(['.', '_', '-'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars
                .next()
                .map_or(String::new(), |c| c.to_uppercase().chain(chars).collect())
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The shared, locked world.
#[derive(Clone, Default)]
pub struct Shared(Arc<Mutex<World>>);

impl Shared {
    /// Locks the world. A panic while it was held poisoned it; the state is still the
    /// best there is, so the lock is taken anyway.
    pub fn lock(&self) -> MutexGuard<'_, World> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Current time in epoch milliseconds.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
