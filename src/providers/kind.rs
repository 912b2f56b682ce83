use std::fmt;
use std::str::FromStr;

/// A mail provider this service connects to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProviderKind {
    Google,
    Microsoft,
    /// Any other mailbox, by IMAP and SMTP with a password (#26): no OAuth app.
    Imap,
}

impl ProviderKind {
    /// Every provider, in the order lists show them.
    pub const ALL: [ProviderKind; 3] = [
        ProviderKind::Google,
        ProviderKind::Microsoft,
        ProviderKind::Imap,
    ];

    /// Whether mailboxes connect by OAuth with an app the admin registers.
    pub fn is_oauth(self) -> bool {
        self != Self::Imap
    }

    /// The name used in the API (`filterByTk`) and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Google => "google",
            Self::Microsoft => "microsoft",
            Self::Imap => "imap",
        }
    }

    /// The name shown to people.
    pub fn title(self) -> &'static str {
        match self {
            Self::Google => "Google",
            Self::Microsoft => "Microsoft",
            Self::Imap => "IMAP",
        }
    }

    /// The OAuth scopes this service asks for: identity, offline access, read/modify/send
    /// mail (none for IMAP, which signs in with a password).
    pub fn scopes(self) -> &'static [&'static str] {
        match self {
            Self::Google => &[
                "openid",
                "email",
                "profile",
                "https://www.googleapis.com/auth/gmail.modify",
            ],
            Self::Microsoft => &[
                "openid",
                "email",
                "profile",
                "offline_access",
                "User.Read",
                "Mail.ReadWrite",
                "Mail.Send",
                // Outlook's master category list (labels).
                "MailboxSettings.ReadWrite",
            ],
            Self::Imap => &[],
        }
    }
}

impl fmt::Display for ProviderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The input was not a provider name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownProvider;

impl FromStr for ProviderKind {
    type Err = UnknownProvider;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value {
            "google" => Ok(Self::Google),
            "microsoft" => Ok(Self::Microsoft),
            "imap" => Ok(Self::Imap),
            _ => Err(UnknownProvider),
        }
    }
}
