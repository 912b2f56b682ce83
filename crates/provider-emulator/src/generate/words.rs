//! Word lists for generated mail: people (some with non-ASCII names), companies,
//! subjects and sentences in several languages.

pub const FIRST_NAMES: &[&str] = &[
    "Anna",
    "Ben",
    "Chloé",
    "David",
    "Elif",
    "François",
    "Greta",
    "Hiro",
    "Ingrid",
    "Jamal",
    "Katarzyna",
    "Luis",
    "Maëlle",
    "Noah",
    "Olga",
    "Pedro",
    "Quinn",
    "Renée",
    "Søren",
    "Tomás",
    "Uma",
    "Václav",
    "Wei",
    "Xenia",
    "Yusuf",
    "Zoë",
    "王",
    "Björn",
    "Ana María",
    "José",
];

pub const LAST_NAMES: &[&str] = &[
    "Müller",
    "Smith",
    "García",
    "Dubois",
    "Kowalski",
    "Tanaka",
    "Øvergaard",
    "Rossi",
    "Nguyễn",
    "Schmidt",
    "Johnson",
    "Fernández",
    "Łukasz",
    "伟",
    "O'Brien",
    "Andersson",
    "Novák",
    "Yılmaz",
    "Silva",
    "Brown",
];

pub const DOMAINS: &[&str] = &[
    "acme.com",
    "globex.io",
    "initech.co",
    "umbrella.org",
    "hooli.dev",
    "stark-industries.com",
    "wayne.enterprises",
    "example.net",
    "vandelay.biz",
    "piedpiper.ai",
];

pub const TOPICS: &[&str] = &[
    "Q3 roadmap",
    "renewal",
    "onboarding",
    "the integration",
    "pricing",
    "the offsite",
    "support ticket",
    "contract",
    "migration plan",
    "launch",
];

pub const SUBJECTS: &[&str] = &[
    "Invoice #{n} for {topic}",
    "Meeting notes – {topic}",
    "Quick question about {topic}",
    "Angebot für {topic} (Müller GmbH)",
    "报价单 {n}: {topic}",
    "Café order confirmation #{n}",
    "🚀 Update on {topic}",
    "Follow-up: {topic}",
    "Réunion de suivi – {topic}",
    "Your receipt #{n}",
    "Action required: {topic}",
    "Welcome aboard!",
];

pub const SENTENCES: &[&str] = &[
    "Thanks for getting back to me so quickly.",
    "Please find the details below and let me know if anything is missing.",
    "We reviewed the proposal with the team yesterday.",
    "Could you confirm the numbers before Friday?",
    "I have attached the latest version of the document.",
    "Vielen Dank für Ihre schnelle Antwort.",
    "Nous avons bien reçu votre demande.",
    "感谢您的来信，我们会尽快回复。",
    "The invoice is due at the end of the month.",
    "Let's schedule a call next week to go through the open points.",
    "Heads-up: the deadline moved by two days.",
    "Gracias por la información, la revisaremos pronto.",
    "Happy to help — just reply to this email.",
    "The numbers look good; we're on track for the quarter.",
];

/// Attachment kinds: MIME type, file name pattern, typical size range in bytes.
pub const ATTACHMENTS: &[(&str, &str, u64, u64)] = &[
    ("application/pdf", "Rechnung-{n}.pdf", 20_000, 400_000),
    ("image/png", "screenshot-{n}.png", 15_000, 900_000),
    ("text/csv", "report-{n}.csv", 1_000, 60_000),
    (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "Proposal {n}.docx",
        30_000,
        250_000,
    ),
    ("text/plain", "notes-{n}.txt", 200, 5_000),
    ("application/zip", "档案-{n}.zip", 50_000, 2_000_000),
];

/// A tiny PNG (1×1), used for inline images so HTML bodies reference real image data.
pub const TINY_PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xF0,
    0x1F, 0x00, 0x05, 0x00, 0x01, 0xFF, 0x89, 0x99, 0x3D, 0x1D, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];
